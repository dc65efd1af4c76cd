export declare const SIGNATURE_HEADER: 'x-truemed-signature';
export declare const DEFAULT_TOLERANCE_SECONDS: 300;

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

export declare function parseSignatureHeader(header: string | undefined | null): ParsedSignatureHeader | null;

/**
 * True when `header` (`x-truemed-signature`) signs `rawBody` with `secret` (or any of `secret`)
 * within the tolerance; false otherwise. Throws TypeError only for the caller's mistakes: a
 * missing secret or body, or a tolerance that is not a positive number.
 *
 * Replay protection: a captured delivery verifies only within the tolerance of its `t`; dedupe on
 * `webhook_delivery_id` (kept at least that long) so a replay inside the window does nothing.
 */
export declare function verifyWebhook(
  rawBody: string | Uint8Array,
  header: string | string[] | undefined | null,
  secret: string | readonly string[],
  options?: VerifyWebhookOptions,
): boolean;
