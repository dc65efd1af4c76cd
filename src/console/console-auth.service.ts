import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuditService } from '../audit/audit.service.js';
import type { Principal } from '../auth/auth.vocabulary.js';
import { type SignInThrottle, throttleSubject } from '../auth/throttle.service.js';
import type { Enrolment, TotpService } from '../auth/totp.service.js';
import type { ConsoleMfa } from '../config.js';
import type { Database } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import { randomToken } from '../lib/ids.js';
import type { ClinicianRow } from './clinicians.repository.js';
import type { CliniciansService } from './clinicians.service.js';
import type { ConsoleSessionsRepository } from './console-sessions.repository.js';

/** SPEC §2.3 — a console session ends after 30 minutes without a request. */
export const IDLE_TIMEOUT_MS = 30 * 60_000;
/** However active, a session is signed out after 12 hours. */
export const ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60_000;
/** `last_seen_at` is written at most once a minute, not on every page view. */
const TOUCH_EVERY_MS = 60_000;
/** The password step is good for this long; then the sign-in starts over. */
const MFA_STEP_MS = 10 * 60_000;

export type SignInResult =
  | { kind: 'signed_in'; token: string; clinician: ClinicianRow; next: 'queue' | 'mfa' }
  | { kind: 'wrong' }
  | { kind: 'locked' };

export type CodeResult = 'ok' | 'wrong' | 'replayed' | 'locked';

export type ConsoleContext =
  | { state: 'signed_in'; clinician: ClinicianRow; csrf: string; tokenHash: string }
  | { state: 'mfa_pending'; clinician: ClinicianRow; csrf: string; tokenHash: string; enrolled: boolean }
  | { state: 'expired' }
  | { state: 'none' };

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
const principalOf = (clinician: ClinicianRow): Principal => ({ kind: 'clinician', id: clinician.id });

export function sameToken(a: unknown, b: string): boolean {
  if (typeof a !== 'string' || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * Server-side console sessions: the cookie holds a random token, the table only its hash. Issue 11:
 * sign-ins are throttled per account and per client address, and a second factor (TOTP) follows
 * the password when the account has one or the configuration requires it.
 */
export class ConsoleAuthService {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repo: ConsoleSessionsRepository,
    private readonly clinicians: CliniciansService,
    private readonly audit: AuditService,
    private readonly throttle: SignInThrottle,
    private readonly totp: TotpService,
    private readonly mfa: ConsoleMfa,
  ) {}

  async signIn(email: string, password: string, address: string): Promise<SignInResult> {
    const typed = email.trim().toLowerCase().slice(0, 254);
    const account = await this.clinicians.findByEmail(typed);
    const accountSubject = account ? throttleSubject.account(account.id) : throttleSubject.unknown(typed);
    const subjects = [accountSubject, throttleSubject.address(address)];
    // Refused before the password is looked at: the answer cannot tell a right password from a wrong one.
    if ((await this.throttle.lockedUntil('clinician', subjects)) !== null) return { kind: 'locked' };

    const clinician = await this.clinicians.authenticate(typed, password);
    if (!clinician) {
      await this.failed(typed, account, subjects, address, 'password');
      return { kind: 'wrong' };
    }
    await this.throttle.clear('clinician', accountSubject);
    const needsCode = this.mfa === 'required' || (await this.totp.enrolled(principalOf(clinician)));
    const token = randomToken(32);
    const now = this.clock.now();
    await this.repo.insert(this.database.db, {
      token_hash: hashToken(token),
      clinician_id: clinician.id,
      csrf_token: randomToken(24),
      created_at: now,
      last_seen_at: now,
      ended_at: null,
      mfa_passed_at: needsCode ? null : now,
    });
    await this.audit.record({
      actorType: 'clinician',
      actorId: clinician.id,
      action: 'console.sign_in',
      details: { step: needsCode ? 'password' : 'complete' },
    });
    return { kind: 'signed_in', token, clinician, next: needsCode ? 'mfa' : 'queue' };
  }

  /**
   * Issue 11 item 3 — a failure counts against the account (or the unknown name) and the address.
   * Each failure for an account is audited; failures for one unknown name are aggregated: the first
   * of a window and a lock are written, the count in between lives in the throttle row. What was
   * typed into the password field is never written anywhere.
   */
  private async failed(
    typed: string,
    account: ClinicianRow | undefined,
    subjects: string[],
    address: string,
    step: 'password' | 'code',
  ): Promise<void> {
    const [forAccount, forAddress] = await this.throttle.fail('clinician', subjects);
    if (account || forAccount!.failures === 1) {
      await this.audit.record({
        actorType: 'anonymous',
        action: step === 'code' ? 'console.mfa_failed' : 'console.sign_in_failed',
        subjectId: account?.id ?? null,
        details: { email: typed, address, failures: forAccount!.failures },
      });
    }
    if (forAccount!.locked || forAddress!.locked) {
      await this.audit.record({
        actorType: 'anonymous',
        action: 'console.sign_in_locked',
        subjectId: account?.id ?? null,
        details: {
          email: typed,
          address,
          locked: [forAccount!.locked ? 'account' : null, forAddress!.locked ? 'address' : null]
            .filter((x) => x !== null)
            .join(','),
        },
      });
    }
  }

  /** Resolves the cookie; an idle or too old session is ended and reported as expired. */
  async resolve(token: string | undefined): Promise<ConsoleContext> {
    if (!token) return { state: 'none' };
    const tokenHash = hashToken(token);
    const row = await this.repo.find(this.database.db, tokenHash);
    if (!row || row.ended_at !== null) return { state: 'none' };
    const now = this.clock.now();
    const pending = row.mfa_passed_at === null;
    if (
      now - Number(row.last_seen_at) > IDLE_TIMEOUT_MS ||
      now - Number(row.created_at) > ABSOLUTE_TIMEOUT_MS ||
      (pending && now - Number(row.created_at) > MFA_STEP_MS)
    ) {
      await this.repo.end(this.database.db, tokenHash, now);
      return pending ? { state: 'none' } : { state: 'expired' };
    }
    const clinician = await this.clinicians.find(row.clinician_id);
    if (!clinician || clinician.disabled_at !== null) return { state: 'none' };
    if (pending) {
      const enrolled = await this.totp.enrolled(principalOf(clinician));
      return { state: 'mfa_pending', clinician, csrf: row.csrf_token, tokenHash, enrolled };
    }
    if (now - Number(row.last_seen_at) >= TOUCH_EVERY_MS)
      await this.repo.touch(this.database.db, tokenHash, now);
    return { state: 'signed_in', clinician, csrf: row.csrf_token, tokenHash };
  }

  /** Issue 11 item 2 — the pending secret of a first sign-in (shown as a QR code and as text). */
  async beginEnrolment(clinician: ClinicianRow): Promise<Enrolment> {
    return this.totp.beginEnrolment(principalOf(clinician), clinician.email);
  }

  /** The first code confirms the enrolment and completes the sign-in; the recovery codes, shown once. */
  async confirmEnrolment(
    context: { clinician: ClinicianRow; tokenHash: string },
    code: string,
    address: string,
  ): Promise<{ kind: 'ok'; recoveryCodes: string[] } | { kind: 'wrong' | 'locked' }> {
    const subjects = this.codeSubjects(context.clinician, address);
    if ((await this.throttle.lockedUntil('clinician', subjects)) !== null) return { kind: 'locked' };
    const codes = await this.totp.confirmEnrolment(principalOf(context.clinician), code);
    if (!codes) {
      await this.failed(context.clinician.email, context.clinician, subjects, address, 'code');
      return { kind: 'wrong' };
    }
    await this.repo.passMfa(this.database.db, context.tokenHash, this.clock.now());
    await this.audit.record({
      actorType: 'clinician',
      actorId: context.clinician.id,
      action: 'console.mfa_enrolled',
    });
    return { kind: 'ok', recoveryCodes: codes };
  }

  /** The "Authentication code" step: a code from the app (never the same one twice) or a recovery code. */
  async verifyCode(
    context: { clinician: ClinicianRow; tokenHash: string },
    code: string,
    address: string,
  ): Promise<CodeResult> {
    const subjects = this.codeSubjects(context.clinician, address);
    if ((await this.throttle.lockedUntil('clinician', subjects)) !== null) return 'locked';
    const principal = principalOf(context.clinician);
    const result = await this.totp.check(principal, code);
    if (result !== 'ok') {
      await this.failed(context.clinician.email, context.clinician, subjects, address, 'code');
      return result;
    }
    await this.throttle.clear('clinician', subjects[0]!);
    await this.repo.passMfa(this.database.db, context.tokenHash, this.clock.now());
    const recovery = !/^\s*\d{3}\s?\d{3}\s*$/.test(code);
    await this.audit.record({
      actorType: 'clinician',
      actorId: context.clinician.id,
      action: recovery ? 'console.recovery_code_used' : 'console.sign_in',
      details: { step: 'code' },
    });
    return 'ok';
  }

  async recoveryCodesLeft(clinician: ClinicianRow): Promise<number> {
    return this.totp.recoveryCodesLeft(principalOf(clinician));
  }

  async signOut(tokenHash: string, clinicianId: string): Promise<void> {
    await this.repo.end(this.database.db, tokenHash, this.clock.now());
    await this.audit.record({ actorType: 'clinician', actorId: clinicianId, action: 'console.sign_out' });
  }

  private codeSubjects(clinician: ClinicianRow, address: string): string[] {
    return [throttleSubject.account(clinician.id), throttleSubject.address(address)];
  }
}
