import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AuditService } from '../audit/audit.service.js';
import type { Database } from '../db/database.js';
import { transact } from '../db/transaction.js';
import type { Clock } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import type { SessionsRepository } from '../sessions/sessions.repository.js';
import { normaliseBirthDate } from '../survey/survey.form.js';
import type { SurveyService } from '../survey/survey.service.js';
import type { LetterChecksRepository } from './letter-checks.repository.js';
import type { Letter, LmnService } from './lmn.service.js';

export { normaliseBirthDate };

/** Issue 10 item 1 — five wrong dates of birth lock the letter for 15 minutes. */
export const MAX_WRONG_TRIES = 5;
export const LOCKOUT_MS = 15 * 60_000;
/** How long a passed patient check opens the letter (the cookie's lifetime). */
export const LETTER_ACCESS_MS = 15 * 60_000;

export type PatientCheck = (
  | { kind: 'passed'; cookie: string; maxAgeSeconds: number }
  | { kind: 'wrong'; triesLeft: number }
  | { kind: 'locked'; until: number }
) & {
  /** What the check opens: an approved session's letter, or the clinician's question (issue 11 item 5). */
  opens: 'letter' | 'question';
};

/**
 * Issue 10 item 1 — the letter opens only for its patient: the shopper link shows the outcome, and
 * the letter needs the date of birth given in the survey. A pass is a short-lived HttpOnly cookie
 * bound to the session (an HMAC of the session id and its expiry), never a URL parameter. Wrong
 * tries are counted per session under its row lock, so every instance shares one count; every
 * try and every view of the letter goes to the audit log.
 */
export class LetterAccessService {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repos: { sessions: SessionsRepository; letterChecks: LetterChecksRepository },
    /** The current service secret first, then previous ones. */
    private readonly secrets: readonly Buffer[],
    private readonly survey: SurveyService,
    private readonly lmn: LmnService,
    private readonly audit: AuditService,
  ) {}

  async check(sessionId: string, token: unknown, typed: string): Promise<PatientCheck> {
    const session = await this.survey.authorisedSession(sessionId, token);
    // A session in review may have a question for its shopper: the same check guards it.
    if (session.status !== 'approved' && session.status !== 'processing')
      throw new ApiError('NotFound', 'There is no letter for this link.');
    const opens = session.status === 'approved' ? 'letter' : 'question';
    const expected = await this.birthDateOnFile(sessionId);
    const given = normaliseBirthDate(typed);
    const result = await transact(this.database, async (tx) => {
      await this.repos.sessions.findForUpdate(tx.db, tx.engine, sessionId);
      const now = this.clock.now();
      const row = (await this.repos.letterChecks.find(tx.db, sessionId)) ?? {
        session_id: sessionId,
        failed_attempts: 0,
        locked_until: null,
        updated_at: now,
      };
      const audit = (
        action: 'letter.check_passed' | 'letter.check_failed' | 'letter.check_locked',
        details = {},
      ) => this.audit.append(tx, { actorType: 'shopper', action, subjectId: sessionId, details });
      if (row.locked_until !== null && Number(row.locked_until) > now) {
        await audit('letter.check_locked');
        return { kind: 'locked' as const, until: Number(row.locked_until) };
      }
      if (given !== undefined && expected !== undefined && sameText(given, expected)) {
        await this.repos.letterChecks.save(tx.db, {
          ...row,
          failed_attempts: 0,
          locked_until: null,
          updated_at: now,
        });
        await audit('letter.check_passed');
        return {
          kind: 'passed' as const,
          cookie: this.cookieFor(sessionId, now + LETTER_ACCESS_MS),
          maxAgeSeconds: LETTER_ACCESS_MS / 1000,
        };
      }
      const failed = Number(row.failed_attempts) + 1;
      const locked = failed >= MAX_WRONG_TRIES;
      await this.repos.letterChecks.save(tx.db, {
        session_id: sessionId,
        failed_attempts: locked ? 0 : failed,
        locked_until: locked ? now + LOCKOUT_MS : null,
        updated_at: now,
      });
      await audit('letter.check_failed', { attempt: failed, locked });
      return locked
        ? { kind: 'locked' as const, until: now + LOCKOUT_MS }
        : { kind: 'wrong' as const, triesLeft: MAX_WRONG_TRIES - failed };
    });
    return { ...result, opens };
  }

  /** The letter, for a request carrying a valid patient-check cookie of this session; audited. */
  async letter(
    sessionId: string,
    cookie: string | undefined,
    as: 'html' | 'pdf',
  ): Promise<Letter | undefined> {
    if (!this.cookieValid(sessionId, cookie)) return undefined;
    const letter = await this.lmn.letterForSession(sessionId);
    if (!letter) return undefined;
    await this.audit.record({
      actorType: 'shopper',
      action: as === 'pdf' ? 'letter.download' : 'letter.view',
      subjectId: sessionId,
      details: { lmn_id: letter.row.id },
    });
    return letter;
  }

  cookieValid(sessionId: string, cookie: string | undefined): boolean {
    const [id, expiresText, mac, ...rest] = (cookie ?? '').split('.');
    if (id !== sessionId || !expiresText || !mac || rest.length > 0) return false;
    const expires = Number(expiresText);
    if (!Number.isSafeInteger(expires) || expires <= this.clock.now()) return false;
    let valid = false;
    for (const secret of this.secrets) valid = sameText(mac, macOf(secret, id, expires)) || valid;
    return valid;
  }

  private cookieFor(sessionId: string, expires: number): string {
    return `${sessionId}.${expires}.${macOf(this.secrets[0]!, sessionId, expires)}`;
  }

  /** The date of birth printed on the letter (a test letter's sandbox date), else the survey's. */
  private async birthDateOnFile(sessionId: string): Promise<string | undefined> {
    const letter = await this.lmn.letterForSession(sessionId);
    return letter?.clinical.dateOfBirth ?? (await this.survey.answers(sessionId))?.date_of_birth;
  }
}

function macOf(secret: Buffer, sessionId: string, expires: number): string {
  return createHmac('sha256', secret).update(`letter-access:${sessionId}:${expires}`).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
