export declare const SIGNATURE_HEADER: 'x-truemed-signature';
export declare const DEFAULT_TOLERANCE_SECONDS: 300;

export interface VerifyWebhookOptions {
  /** Largest accepted distance between the signature's `t` and now; default 300. 0 disables the check. */
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
 * within the tolerance; false otherwise. Throws TypeError only for a missing secret or body.
 */
export declare function verifyWebhook(
  rawBody: string | Uint8Array,
  header: string | string[] | undefined | null,
  secret: string | readonly string[],
  options?: VerifyWebhookOptions,
): boolean;
