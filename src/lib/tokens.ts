import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * SPEC §2.2 — the shopper link carries an HMAC of the session id under the service secret,
 * so knowing an id is not enough to open its survey.
 */
export function sessionLinkToken(secret: Buffer, sessionId: string): string {
  return createHmac('sha256', secret).update(`session-link:${sessionId}`).digest('base64url').slice(0, 32);
}

/**
 * Checks the token against each of `secrets` (the current one first): links issued before a
 * rotation keep working while the previous secret is configured (issue 13 item 2).
 */
export function verifySessionLinkToken(
  secrets: readonly Buffer[],
  sessionId: string,
  token: unknown,
): boolean {
  if (typeof token !== 'string' || token.length !== 32) return false;
  const given = Buffer.from(token);
  let valid = false;
  for (const secret of secrets) {
    const expected = Buffer.from(sessionLinkToken(secret, sessionId));
    valid = (given.length === expected.length && timingSafeEqual(given, expected)) || valid;
  }
  return valid;
}

/** API keys are stored only as this hash. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
