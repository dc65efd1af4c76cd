import type { FastifyReply } from 'fastify';
import type { StoredResponse } from '../idempotency/idempotency.service.js';

/** Sends an idempotent response exactly as stored (SPEC §1.8: byte-for-byte on replay). */
export function sendStored(reply: FastifyReply, stored: StoredResponse): FastifyReply {
  if (stored.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(stored.statusCode).type('application/json; charset=utf-8').send(stored.body);
}
