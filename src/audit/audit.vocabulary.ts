/** SPEC §2.6 — what the audit log records, and who can act; `audit_log` rows are typed from these lists. */
export const AUDIT_ACTIONS = [
  'console.sign_in',
  'console.sign_in_failed',
  'console.sign_out',
  'answers.view',
  'session.approve',
  'session.reject',
  'session.auto_reject',
  'clinician.add',
  'clinician.profile',
  'letter.check_passed',
  'letter.check_failed',
  'letter.check_locked',
  'letter.view',
  'letter.download',
  // Issue 12 — the merchant dashboard.
  'dashboard.sign_in',
  'dashboard.sign_in_failed',
  'dashboard.sign_out',
  'dashboard.password_set',
  'dashboard.member_add',
  'dashboard.member_remove',
  'dashboard.key_create',
  'dashboard.key_revoke',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_ACTOR_TYPES = [
  'clinician',
  'rules',
  'operator',
  'anonymous',
  'merchant_user',
  'shopper',
] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];
