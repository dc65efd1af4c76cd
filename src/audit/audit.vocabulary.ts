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
  'clinician.edit',
  'clinician.disable',
  'clinician.enable',
  'clinician.reset_password',
  'clinician.password_set',
  'console.sign_in_locked',
  'console.mfa_enrolled',
  'console.mfa_failed',
  'console.recovery_code_used',
  'decision.view',
  'audit.view',
  'session.ask',
  'session.answer',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_ACTOR_TYPES = ['clinician', 'rules', 'operator', 'anonymous'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];
