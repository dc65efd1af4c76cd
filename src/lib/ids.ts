import { randomBytes, randomUUID } from 'node:crypto';

/** SPEC §1.1 — sessions are `qs_<uuid-v4>`; other resources carry their own prefix. */
export type IdPrefix =
  | 'qs'
  | 'sc'
  | 'key'
  | 'we'
  | 'wd'
  | 'evt'
  | 'cl'
  | 'tr'
  | 'lmn'
  | 'att'
  | 'mail'
  | 'rc'
  | 'sq';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomUUID()}`;
}

/** Opaque random token, URL-safe. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * A request's id (`x-request-id`, `request_id` in errors). randomUUID draws from a pre-filled
 * entropy pool: far cheaper per request than randomBytes.
 */
export function newRequestId(): string {
  return `req_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
}
