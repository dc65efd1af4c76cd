import { sessionLinkToken } from '../lib/tokens.js';

/** What a stored response holds where a shopper link's token was. */
export const LINK_TOKEN_PLACEHOLDER = '{{link_token}}';

const LINK_WITH_TOKEN = /(\/q\/[A-Za-z0-9_-]+\?t=)[A-Za-z0-9_-]{32}/g;
const LINK_WITH_PLACEHOLDER = /\/q\/([A-Za-z0-9_-]+)\?t=\{\{link_token\}\}/g;

/**
 * Issue 10 item 7 — a stored idempotent response must not hold a working shopper link: the token
 * is stored as a placeholder and put back from the service secret when the response is replayed
 * (the token is an HMAC of the session id, so it is the same token the first response carried).
 */
export function withoutLinkTokens(body: string): string {
  return body.replace(LINK_WITH_TOKEN, `$1${LINK_TOKEN_PLACEHOLDER}`);
}

export function withLinkTokens(body: string, secret: Buffer): string {
  return body.replace(
    LINK_WITH_PLACEHOLDER,
    (_match, id: string) => `/q/${id}?t=${sessionLinkToken(secret, id)}`,
  );
}
