/**
 * Issue 11 items 2 and 3 — who the generic sign-in modules of `src/auth/` (TOTP second factor,
 * recovery codes, sign-in throttling) work for. A new kind of account joins this list.
 */
export const PRINCIPAL_KINDS = ['clinician', 'merchant_user'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

export interface Principal {
  kind: PrincipalKind;
  id: string;
}
