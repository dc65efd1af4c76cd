import type { PrincipalKind } from '../auth/auth.vocabulary.js';

/** Issue 11 items 2 and 3 — the generic sign-in tables of `src/auth/`, keyed by principal kind + id. */
export interface AuthTotpTable {
  /** `<principal_kind>:<principal_id>`. */
  id: string;
  principal_kind: PrincipalKind;
  principal_id: string;
  /** The base32 TOTP secret, sealed (`src/phi/phi.cipher.ts`). */
  secret: string;
  /** Null until the first code was confirmed. */
  enrolled_at: number | null;
  /** The last accepted 30-second time step: a code of that step or earlier is a replay. */
  last_step: number;
  created_at: number;
}

export interface AuthRecoveryCodeTable {
  id: string;
  principal_kind: PrincipalKind;
  principal_id: string;
  /** SHA-256 of the code (the codes are random, 50 bits or more). */
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

export interface AuthThrottleTable {
  principal_kind: PrincipalKind;
  /** `account:<id>`, `address:<ip>` or `unknown:<email>`. */
  subject: string;
  window_start: number;
  failures: number;
  locked_until: number | null;
}

export interface AuthTables {
  auth_totp: AuthTotpTable;
  auth_recovery_codes: AuthRecoveryCodeTable;
  auth_throttle: AuthThrottleTable;
}
