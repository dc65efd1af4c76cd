import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * SPEC §2.2 — the shopper link carries an HMAC of the session id under the service secret,
 * so knowing an id is not enough to open its survey.
 */
export function sessionLinkToken(secret: Buffer, sessionId: string): string {
  return createHmac('sha256', secret).update(`session-link:${sessionId}`).digest('base64url').slice(0, 32);
}

export function verifySessionLinkToken(secret: Buffer, sessionId: string, token: unknown): boolean {
  if (typeof token !== 'string' || token.length !== 32) return false;
  const expected = Buffer.from(sessionLinkToken(secret, sessionId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** API keys are stored only as this hash. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
