import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ApiError } from '../lib/errors.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/**
 * Issue 14 item 2 — the `Idempotency-Key` header, accepted beside the body's `idempotency_key`
 * on create and update (the convention of Stripe-style clients). Documented in OpenAPI through
 * the route's `headers` schema.
 */
export const IdempotencyKeyHeaders = Type.Object({
  [IDEMPOTENCY_KEY_HEADER]: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description:
        'Alternative to the body field `idempotency_key`. When both are given they must be equal (otherwise 400).',
      examples: ['order-10042-attempt-1'],
    }),
  ),
});

/**
 * The request's idempotency key: the body field, or the header when the body has none. Both
 * given and equal is fine; both given and different, or neither, is a 400.
 */
export function idempotencyKeyOf(request: FastifyRequest, bodyKey: string | undefined): string {
  const raw = request.headers[IDEMPOTENCY_KEY_HEADER];
  const headerKey = Array.isArray(raw) ? raw[0] : raw;
  if (bodyKey !== undefined && headerKey !== undefined && bodyKey !== headerKey) {
    throw new ApiError(
      'ValidationError',
      'idempotency_key and the Idempotency-Key header differ; send one, or the same value in both',
    );
  }
  const key = bodyKey ?? headerKey;
  if (key === undefined) throw new ApiError('ValidationError', 'idempotency_key is required');
  return key;
}
