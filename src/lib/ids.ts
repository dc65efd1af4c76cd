import { randomBytes, randomUUID } from 'node:crypto';

/** SPEC §1.1 — sessions are `qs_<uuid-v4>`; other resources carry their own prefix. */
export type IdPrefix = 'qs' | 'sc' | 'key' | 'we' | 'wd' | 'evt' | 'cl' | 'tr' | 'lmn' | 'att' | 'rc' | 'sq';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomUUID()}`;
}

/** Opaque random token, URL-safe. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
