import type { AuditAction, AuditActorType } from '../audit/audit.vocabulary.js';
import type { ClinicianRole, SandboxAccess } from '../console/clinicians.vocabulary.js';
import type { MailKind, MailStatus } from '../mail/mail.vocabulary.js';
import type { ReviewDecision } from '../sessions/sessions.vocabulary.js';

/**
 * Tables of the human side (SPEC §2.2–§2.6): clinicians, console sessions, survey responses,
 * reviews, LMNs and the audit log. Columns holding health information are AES-256-GCM envelopes
 * (`src/phi/phi.cipher.ts`), never plain text.
 */
export interface ClinicianTable {
  id: string;
  /** Lower-cased; unique. */
  email: string;
  name: string;
  npi: string;
  credentials: string;
  /** JSON array of two-letter US state codes the clinician is licensed in. */
  states: string;
  /** JSON object: state code → licence number (issue 10 item 3); a state without one cannot be approved. */
  licenses: string;
  /** Printed on letters (issue 10 item 3). */
  practice_address: string | null;
  /** `scrypt$N$r$p$<salt>$<hash>` (base64). */
  password_hash: string;
  created_at: number;
  disabled_at: number | null;
  role: ClinicianRole;
  sandbox: SandboxAccess;
  /** SHA-256 of the one-time password-reset token, while one is outstanding. */
  reset_token_hash: string | null;
  reset_expires_at: number | null;
}

export interface ConsoleSessionTable {
  /** SHA-256 of the cookie value: a leaked table row cannot be replayed as a cookie. */
  token_hash: string;
  clinician_id: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  ended_at: number | null;
  /** When the second factor passed (or was not needed); null while the code step is pending. */
  mfa_passed_at: number | null;
}

export interface SurveyResponseTable {
  session_id: string;
  /** Encrypted JSON: date of birth, conditions, details. */
  answers: string;
  telehealth_consent_at: number;
  privacy_consent_at: number;
  created_at: number;
}

export interface ReviewTable {
  session_id: string;
  clinician_id: string;
  decision: ReviewDecision;
  /** Encrypted clinician note, or null when none was written. */
  note: string | null;
  created_at: number;
}

export interface LmnTable {
  id: string;
  session_id: string;
  verification_code: string;
  /** 0: a test letter, marked "not valid for reimbursement" (issue 10 item 4). */
  livemode: number;
  /** Null for a test letter issued by a test helper. */
  clinician_id: string | null;
  clinician_name: string;
  clinician_credentials: string;
  clinician_npi: string;
  clinician_state: string;
  /** The clinician's licence number for the patient's state, as signed. */
  clinician_license: string | null;
  clinician_address: string | null;
  shopper_name: string | null;
  shopper_email: string | null;
  shopper_state: string;
  /** JSON array of the covered order items `{sku, name, price, quantity}`. */
  covered_items: string;
  /**
   * Encrypted JSON: date of birth, the diagnoses relied on (with ICD-10-CM codes), each covered
   * item's recommended use and duration, and the certification statement.
   */
  clinical: string;
  issued_at: number;
  expires_at: number;
}

export interface AuditLogTable {
  /** 1, 2, 3, ... with no gaps: a deleted row breaks the chain. */
  seq: number;
  created_at: number;
  actor_type: AuditActorType;
  actor_id: string | null;
  action: AuditAction;
  subject_id: string | null;
  /** Canonical JSON of non-health details (reason codes, ids). */
  details: string;
  prev_hash: string;
  hash: string;
}

/** One row (id = 1): the chain's head, locked by every append so the chain never forks. */
export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
  /** Issue 11 item 7 — rows from this seq on are chained with HMAC; earlier rows with plain SHA-256. */
  hmac_from: number;
}

/** Issue 11 item 6 — "being reviewed by …": who opened a session last, and when (15 minutes). */
export interface ReviewClaimTable {
  session_id: string;
  clinician_id: string;
  claimed_at: number;
}

/** Issue 11 item 5 — "Ask the shopper": the clinician's question and the shopper's answer, sealed. */
export interface SessionQuestionTable {
  id: string;
  session_id: string;
  clinician_id: string;
  question: string;
  asked_at: number;
  answer: string | null;
  answered_at: number | null;
}

/** Issue 10 item 1 — the patient check of one session's letter: wrong tries and the lockout. */
export interface LetterCheckTable {
  session_id: string;
  /** Wrong dates of birth since the last lockout or success. */
  failed_attempts: number;
  locked_until: number | null;
  updated_at: number;
}

/** Issue 10 item 2 — one email to send; no health information in any column. */
export interface MailOutboxTable {
  id: string;
  /** `<kind>:<session id>[:<event>]`: one message per event, whoever enqueues it twice. */
  dedupe_key: string;
  kind: MailKind;
  session_id: string;
  recipient: string;
  status: MailStatus;
  attempts: number;
  next_attempt_at: number;
  /** While `sending`: until when one instance holds it. */
  lease_until: number | null;
  /** The transport's error message (never a message body). */
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

/** Issue 10 item 6 — answers typed so far (sealed), until Submit. */
export interface SurveyDraftTable {
  session_id: string;
  /** Encrypted JSON of the form as typed. */
  answers: string;
  updated_at: number;
}

export interface ReviewTables {
  clinicians: ClinicianTable;
  console_sessions: ConsoleSessionTable;
  survey_responses: SurveyResponseTable;
  reviews: ReviewTable;
  lmns: LmnTable;
  letter_checks: LetterCheckTable;
  mail_outbox: MailOutboxTable;
  survey_drafts: SurveyDraftTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  review_claims: ReviewClaimTable;
  session_questions: SessionQuestionTable;
}
