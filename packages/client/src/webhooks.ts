// Qualify webhook signature verification for merchants' receivers (SPEC §3.3). Depends on
// node:crypto only. Also available as `import { verifyWebhook } from '@qualify/client/webhooks'`
// (no openapi-fetch loaded) and re-exported by the server package (`qualify`).
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header that carries `t=<unix seconds>,v1=<hex>`. */
export const SIGNATURE_HEADER = 'x-truemed-signature' as const;
export const DEFAULT_TOLERANCE_SECONDS = 300 as const;

export interface VerifyWebhookOptions {
  /**
   * Largest accepted distance between the signature's `t` and now, in seconds; default 300. Must
   * be a positive finite number: 0, a negative number, NaN or Infinity throw a TypeError (the check
   * cannot be switched off — it is what bounds a replay).
   */
  toleranceSeconds?: number;
  /** Epoch milliseconds to treat as now (tests); default `Date.now()`. */
  now?: number;
}

export interface ParsedSignatureHeader {
  timestamp: number;
  signatures: string[];
}

/**
 * Splits `t=<unix seconds>,v1=<hex>[,v1=<hex>...]` into its timestamp and signatures.
 * Unknown keys are ignored (future schemes); returns null when there is no usable `t`.
 */
export function parseSignatureHeader(header: string | undefined | null): ParsedSignatureHeader | null {
  if (typeof header !== 'string' || header.length === 0 || header.length > 4096) return null;
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const index = part.indexOf('=');
    if (index <= 0) continue;
    const key = part.slice(0, index).trim();
    const value = part.slice(index + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(value.toLowerCase());
  }
  return timestamp === null ? null : { timestamp, signatures };
}

/**
 * True when `header` (`x-truemed-signature`) carries a valid `v1` signature of `rawBody` by
 * `secret` (or by any of several secrets, e.g. both during a rotation) and its timestamp is within
 * `toleranceSeconds` (default 300) of now. False for anything else: a missing or malformed header,
 * a tampered body, the wrong secret, a stale or future timestamp. Never throws for bad input from
 * the network; throws a TypeError only for the receiver's own mistakes: no secret, no body, or a
 * tolerance that is not a positive number of seconds.
 *
 * Replay protection: the signature covers `t`, so a captured delivery can be replayed only within
 * the tolerance. Inside that window, dedupe on `webhook_delivery_id` (remember each id for at
 * least the tolerance) and a replay is harmless.
 *
 * `rawBody` must be the exact bytes received (a string or a Buffer), before any JSON parsing.
 */
export function verifyWebhook(
  rawBody: string | Uint8Array,
  header: string | string[] | undefined | null,
  secret: string | readonly string[],
  options: VerifyWebhookOptions = {},
): boolean {
  const secrets: readonly unknown[] = Array.isArray(secret) ? secret : [secret];
  if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length === 0))
    throw new TypeError('verifyWebhook: secret must be the endpoint secret string (whsec_...)');
  if (typeof rawBody !== 'string' && !(rawBody instanceof Uint8Array))
    throw new TypeError('verifyWebhook: rawBody must be the raw request body (string or Buffer)');
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance <= 0)
    throw new TypeError('verifyWebhook: toleranceSeconds must be a positive number of seconds');
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000);

  const parsed = parseSignatureHeader(Array.isArray(header) ? header[0] : header);
  if (!parsed || parsed.signatures.length === 0) return false;
  if (Math.abs(nowSeconds - parsed.timestamp) > tolerance) return false;

  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : Buffer.from(rawBody);
  const signed = Buffer.concat([Buffer.from(`${parsed.timestamp}.`, 'utf8'), body]);
  for (const key of secrets as string[]) {
    const expected = createHmac('sha256', Buffer.from(key, 'utf8')).update(signed).digest();
    for (const candidate of parsed.signatures) {
      if (timingSafeEqual(expected, Buffer.from(candidate, 'hex'))) return true;
    }
  }
  return false;
}
