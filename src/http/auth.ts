import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ChannelRow } from '../channels/channels.repository.js';
import type { ChannelsService } from '../channels/channels.service.js';
import { ApiError } from '../lib/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    channel: ChannelRow | null;
  }
}

export const API_KEY_HEADER = 'x-truemed-api-key';

/**
 * SPEC §1.1 — every merchant request is scoped to the sales channel of its key. A callback hook:
 * a key this instance trusts from its cache is settled without a promise (the common case).
 */
export function apiKeyAuth(channels: ChannelsService) {
  return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void): void => {
    const header = request.headers[API_KEY_HEADER];
    const key = Array.isArray(header) ? header[0] : header;
    if (!key) {
      done(new ApiError('Unauthorized', `missing ${API_KEY_HEADER} header`));
      return;
    }
    const settle = (channel: ChannelRow | undefined) => {
      if (!channel) return done(new ApiError('Unauthorized', 'the API key is unknown or revoked'));
      request.channel = channel;
      done();
    };
    const found = channels.authenticate(key);
    if (found instanceof Promise) found.then(settle, done);
    else settle(found);
  };
}

export function requireChannel(request: FastifyRequest): ChannelRow {
  if (!request.channel) throw new ApiError('Unauthorized', `missing ${API_KEY_HEADER} header`);
  return request.channel;
}
