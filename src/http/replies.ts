import type { FastifyReply } from 'fastify';
import type { RenderResponse, StoredResponse } from '../idempotency/idempotency.service.js';
import { errorBody } from '../lib/errors.js';

/**
 * The bytes of an idempotent response, stored with its key (SPEC §1.8): the value as JSON, or an
 * error recorded against the key (SPEC §1.7 rule 4) in the flat shape of SPEC §1.2, carrying the
 * id of the request that first made it.
 */
export function renderJson<T>(requestId: string): RenderResponse<T> {
  return (outcome) =>
    outcome.ok
      ? { statusCode: 200, body: JSON.stringify(outcome.value) }
      : {
          statusCode: outcome.error.statusCode,
          body: JSON.stringify(errorBody(outcome.error.code, outcome.error.message, requestId)),
        };
}

/** Sends an idempotent response exactly as stored (SPEC §1.8: byte-for-byte on replay). */
export function sendStored(reply: FastifyReply, stored: StoredResponse): FastifyReply {
  if (stored.replayed) reply.header('idempotent-replayed', 'true');
  return reply.code(stored.statusCode).type('application/json; charset=utf-8').send(stored.body);
}
