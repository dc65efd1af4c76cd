/** Issue 13 item 2 — what makes a service secret unusable, in words an operator can act on. */
export const MIN_SECRET_BYTES = 32;
/** 32 random bytes have about 30 distinct values; fewer than 16 is never chance. */
const MIN_DISTINCT_BYTES = 16;

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Decodes base64 (or base64url) text strictly; undefined when it is not base64 at all. */
export function decodeBase64(text: string): Buffer | undefined {
  const trimmed = text.trim();
  if (!BASE64.test(trimmed)) return undefined;
  return Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/**
 * Why `secret` is too weak to derive keys from, or undefined when it is fine: too short, one byte
 * repeated, a short pattern repeated, or too few distinct byte values.
 */
export function weakness(secret: Buffer): string | undefined {
  if (secret.length < MIN_SECRET_BYTES)
    return `must decode to at least ${MIN_SECRET_BYTES} bytes (got ${secret.length})`;
  if (secret.every((byte) => byte === secret[0])) return 'is trivially weak: every byte is the same';
  const period = repeatingPeriod(secret);
  if (period !== undefined) return `is trivially weak: a ${period}-byte pattern repeated`;
  const distinct = new Set(secret).size;
  if (distinct < MIN_DISTINCT_BYTES)
    return `is trivially weak: only ${distinct} distinct byte values (a random secret has about 30)`;
  return undefined;
}

/** The shortest p ≤ length/2 with secret[i] = secret[i - p] throughout, if any. */
function repeatingPeriod(secret: Buffer): number | undefined {
  for (let period = 1; period <= secret.length / 2; period++) {
    let repeats = true;
    for (let i = period; i < secret.length && repeats; i++) repeats = secret[i] === secret[i - period];
    if (repeats) return period;
  }
  return undefined;
}
