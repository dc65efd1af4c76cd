import type { AuditService } from '../audit/audit.service.js';
import type { Database } from '../db/database.js';
import { type Tx, transact } from '../db/transaction.js';
import type { Clock } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import type { LmnRow } from '../lmn/lmn.repository.js';
import type { LmnService } from '../lmn/lmn.service.js';
import type { PhiCipher } from '../phi/phi.cipher.js';
import type { LifecycleService } from '../sessions/lifecycle.service.js';
import { parseOrderItems } from '../sessions/sessions.presenter.js';
import type { SessionRow, SessionsRepository } from '../sessions/sessions.repository.js';
import type { OrderItem } from '../sessions/sessions.schemas.js';
import type { RejectionReason, ReviewDecision } from '../sessions/sessions.vocabulary.js';
import type { SurveyAnswers } from '../survey/prescreen.js';
import type { SurveyService } from '../survey/survey.service.js';
import { type ClinicianRow, clinicianStates } from './clinicians.repository.js';
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
      const approved = await this.lifecycle.approve(
        tx,
        session,
        { coveredSkus: decision.coveredSkus, validityDays: decision.validityDays },
        { type: 'clinician', id: clinician.id },
      );
      await this.recordReview(tx, clinician, session.id, 'approved', decision.note);
      const covered = new Set(decision.coveredSkus);
      const qualifying = new Map(
        this.survey.definition.conditions.filter((c) => c.qualifying).map((c) => [c.id, c.label]),
      );
      const letter = await this.lmn.issue(tx, {
        session: approved,
        clinician,
        conditions: (answers?.conditions ?? []).flatMap((id) =>
          qualifying.has(id) ? [qualifying.get(id)!] : [],
        ),
        coveredItems: parseOrderItems(approved.order_items).filter((item) => covered.has(item.sku)),
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
