import { createHmac, randomBytes } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-truemed-signature';
export const SECRET_PREFIX = 'whsec_';

/** SPEC §3.1 — 32 random bytes, shown once as `whsec_<base64>`. */
export function newWebhookSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/**
 * SPEC §3.3 — `t=<unix seconds>,v1=<hex>[,v1=<hex>...]`: HMAC-SHA256 keyed by the secret string's
 * UTF-8 bytes (prefix included) over `<t>.<raw body>`. One `v1` per active secret, newest first,
 * so receivers holding either the old or the new secret accept it during a rotation.
 */
export function signatureHeader(secrets: readonly string[], timestampSeconds: number, body: string): string {
  const signed = `${timestampSeconds}.${body}`;
  const parts = [`t=${timestampSeconds}`];
  for (const secret of secrets) {
    parts.push(
      `v1=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(signed, 'utf8').digest('hex')}`,
    );
  }
  return parts.join(',');
}
