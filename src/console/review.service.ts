import { createHash } from 'node:crypto';
import type { AuditService } from '../audit/audit.service.js';
import type { Database } from '../db/database.js';
import { type Tx, transact } from '../db/transaction.js';
import { type Clock, DAY_MS } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import type { LmnRow } from '../lmn/lmn.repository.js';
import { type LetterItem, type LmnService, noLicenseMessage } from '../lmn/lmn.service.js';
import type { PhiCipher } from '../phi/phi.cipher.js';
import type { LifecycleService } from '../sessions/lifecycle.service.js';
import { parseOrderItems } from '../sessions/sessions.presenter.js';
import type { SessionRow, SessionsRepository } from '../sessions/sessions.repository.js';
import type { OrderItem } from '../sessions/sessions.schemas.js';
import type { RejectionReason, ReviewDecision } from '../sessions/sessions.vocabulary.js';
import { type Diagnosis, diagnosesOf } from '../survey/definition.js';
import type { SurveyAnswers } from '../survey/prescreen.js';
import type { SurveyService } from '../survey/survey.service.js';
import { type ClinicianRow, clinicianLicenses, clinicianStates } from './clinicians.repository.js';
import type { ReviewsRepository } from './reviews.repository.js';

export interface QueueEntry {
  session: SessionRow;
  ageMs: number;
}

export type ReviewView =
  | { state: 'open'; session: SessionRow; answers: SurveyAnswers | undefined; items: OrderItem[] }
  | { state: 'reviewed'; session: SessionRow };

export interface ApproveDecision {
  coveredSkus: string[];
  validityDays: number;
  note: string;
  /** ICD-10-CM codes of the diagnoses relied on, from the survey definition (issue 11 item 5). */
  diagnosisCodes: string[];
  /** Per order item, in order: the recommended use and duration the clinician wrote. */
  uses: Array<{ use: string; duration: string }>;
}

/** The letter a decision would issue, before anything is written (the review's preview). */
export interface LetterPreview {
  session: SessionRow;
  dateOfBirth: string | null;
  diagnoses: Diagnosis[];
  items: LetterItem[];
  issuedAt: number;
  expiresAt: number;
}

/** What a confirm must carry: the digest of exactly what was previewed. */
export function decisionDigest(sessionId: string, decision: ApproveDecision): string {
  const { coveredSkus, validityDays, diagnosisCodes, uses } = decision;
  return createHash('sha256')
    .update(JSON.stringify([sessionId, coveredSkus, validityDays, diagnosisCodes, uses]))
    .digest('base64url');
}

export interface RejectDecision {
  reason: RejectionReason;
  note: string;
}

const noteContext = (sessionId: string) => `reviews.note:${sessionId}`;

/** SPEC §2.3 — the clinician's queue, review page and decisions. */
export class ReviewService {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repos: { sessions: SessionsRepository; reviews: ReviewsRepository },
    private readonly cipher: PhiCipher,
    private readonly lifecycle: LifecycleService,
    private readonly survey: SurveyService,
    private readonly lmn: LmnService,
    private readonly audit: AuditService,
  ) {}

  async queue(clinician: ClinicianRow): Promise<QueueEntry[]> {
    const now = this.clock.now();
    const rows = await this.repos.sessions.reviewQueue(this.database.db, clinicianStates(clinician));
    return rows.map((session) => ({
      session,
      ageMs: now - Number(session.submitted_at ?? session.created_at),
    }));
  }

  /** Shows the decrypted answers; every view is written to the audit log (SPEC §2.6). */
  async open(clinician: ClinicianRow, sessionId: string): Promise<ReviewView> {
    const session = await this.licensedSession(clinician, sessionId);
    if (session.status !== 'processing') return { state: 'reviewed', session };
    const answers = await this.survey.answers(session.id);
    await this.audit.record({
      actorType: 'clinician',
      actorId: clinician.id,
      action: 'answers.view',
      subjectId: session.id,
    });
    return { state: 'open', session, answers, items: parseOrderItems(session.order_items) };
  }

  /** The order items of a session the clinician may decide: what the approve form is checked against. */
  async orderItems(clinician: ClinicianRow, sessionId: string): Promise<OrderItem[]> {
    return parseOrderItems((await this.licensedSession(clinician, sessionId)).order_items);
  }

  /**
   * SPEC §2.3/§2.5 — approve and issue the LMN in one transaction. A second clinician deciding the
   * same session loses the compare-and-set: `InvalidStatusTransition` ("already reviewed").
   */
  async approve(clinician: ClinicianRow, sessionId: string, decision: ApproveDecision): Promise<LmnRow> {
    const answers = await this.survey.answers(sessionId);
    return transact(this.database, async (tx) => {
      const session = await this.lockedLicensedSession(tx, clinician, sessionId);
      // Issue 10 item 3: checked before the transition, so nothing is decided without a licence.
      this.mustHoldLicense(clinician, session);
      const approved = await this.lifecycle.approve(
        tx,
        session,
        { coveredSkus: decision.coveredSkus, validityDays: decision.validityDays },
        { type: 'clinician', id: clinician.id },
      );
      await this.recordReview(tx, clinician, session.id, 'approved', decision.note);
      const covered = new Set(decision.coveredSkus);
      const letter = await this.lmn.issue(tx, {
        session: approved,
        clinician,
        dateOfBirth: answers?.date_of_birth ?? null,
        diagnoses: this.diagnoses(decision),
        items: this.letterItems(approved, decision),
      });
      await this.audit.append(tx, {
        actorType: 'clinician',
        actorId: clinician.id,
        action: 'session.approve',
        subjectId: session.id,
        details: { lmn_id: letter.id, validity_days: decision.validityDays, covered_items: covered.size },
      });
      return letter;
    });
  }

  /** Issue 11 item 5 — the exact letter an approval would issue, for the clinician to read first. */
  async preview(
    clinician: ClinicianRow,
    sessionId: string,
    decision: ApproveDecision,
  ): Promise<LetterPreview> {
    const session = await this.licensedSession(clinician, sessionId);
    const answers = await this.survey.answers(sessionId);
    const now = this.clock.now();
    return {
      session,
      dateOfBirth: answers?.date_of_birth ?? null,
      diagnoses: this.diagnoses(decision),
      items: this.letterItems(session, decision),
      issuedAt: now,
      expiresAt: now + decision.validityDays * DAY_MS,
    };
  }

  /** The licence number the clinician holds for this session's state, if any (issue 10 item 3). */
  licenseFor(clinician: ClinicianRow, session: SessionRow): string | undefined {
    return clinicianLicenses(clinician)[session.shopper_state ?? ''];
  }

  async reject(clinician: ClinicianRow, sessionId: string, decision: RejectDecision): Promise<SessionRow> {
    return transact(this.database, async (tx) => {
      const session = await this.lockedLicensedSession(tx, clinician, sessionId);
      const rejected = await this.lifecycle.reject(
        tx,
        session,
        { reason: decision.reason },
        { type: 'clinician', id: clinician.id },
      );
      await this.recordReview(tx, clinician, session.id, 'rejected', decision.note);
      await this.audit.append(tx, {
        actorType: 'clinician',
        actorId: clinician.id,
        action: 'session.reject',
        subjectId: session.id,
        details: { reason: decision.reason },
      });
      return rejected;
    });
  }

  private async recordReview(
    tx: Tx,
    clinician: ClinicianRow,
    sessionId: string,
    decision: ReviewDecision,
    note: string,
  ): Promise<void> {
    await this.repos.reviews.insert(tx.db, {
      session_id: sessionId,
      clinician_id: clinician.id,
      decision,
      note: note.trim() === '' ? null : this.cipher.encrypt(note, noteContext(sessionId)),
      created_at: this.clock.now(),
    });
  }

  private mustHoldLicense(clinician: ClinicianRow, session: SessionRow): void {
    if (!this.licenseFor(clinician, session))
      throw new ApiError('Forbidden', noLicenseMessage(session.shopper_state ?? ''));
  }

  private diagnoses(decision: ApproveDecision): Diagnosis[] {
    const known = diagnosesOf(this.survey.definition);
    return decision.diagnosisCodes.flatMap((code) => {
      const diagnosis = known.get(code);
      return diagnosis ? [{ code: diagnosis.code, name: diagnosis.name }] : [];
    });
  }

  private letterItems(session: SessionRow, decision: ApproveDecision): LetterItem[] {
    const covered = new Set(decision.coveredSkus);
    const defaults = this.survey.definition.item_defaults;
    return parseOrderItems(session.order_items).flatMap((item, i) =>
      covered.has(item.sku)
        ? [
            {
              ...item,
              use: decision.uses[i]?.use || defaults.use,
              duration: decision.uses[i]?.duration || defaults.duration,
            },
          ]
        : [],
    );
  }

  /** A session outside the clinician's licensed states does not exist for them. */
  private async licensedSession(clinician: ClinicianRow, sessionId: string): Promise<SessionRow> {
    const session = await this.repos.sessions.find(this.database.db, sessionId);
    return this.mustBeLicensed(clinician, session);
  }

  private async lockedLicensedSession(
    tx: Tx,
    clinician: ClinicianRow,
    sessionId: string,
  ): Promise<SessionRow> {
    return this.mustBeLicensed(
      clinician,
      await this.repos.sessions.findForUpdate(tx.db, tx.engine, sessionId),
    );
  }

  private mustBeLicensed(clinician: ClinicianRow, session: SessionRow | undefined): SessionRow {
    if (
      !session ||
      session.shopper_state === null ||
      !clinicianStates(clinician).includes(session.shopper_state)
    ) {
      throw new ApiError('NotFound', 'No such session in your queue.');
    }
    return session;
  }
}
