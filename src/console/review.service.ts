import { createHash } from 'node:crypto';
import type { AuditService } from '../audit/audit.service.js';
import type { Database } from '../db/database.js';
import { type Tx, transact } from '../db/transaction.js';
import type { EventsService } from '../events/events.service.js';
import { type Clock, DAY_MS } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import type { LmnRow } from '../lmn/lmn.repository.js';
import { type LetterItem, type LmnService, noLicenseMessage } from '../lmn/lmn.service.js';
import type { MailService } from '../mail/mail.service.js';
import type { PhiCipher } from '../phi/phi.cipher.js';
import type { LifecycleService } from '../sessions/lifecycle.service.js';
import { parseOrderItems } from '../sessions/sessions.presenter.js';
import type { QueueFilter, SessionRow, SessionsRepository } from '../sessions/sessions.repository.js';
import type { OrderItem } from '../sessions/sessions.schemas.js';
import type { RejectionReason, ReviewDecision } from '../sessions/sessions.vocabulary.js';
import { type Diagnosis, diagnosesOf } from '../survey/definition.js';
import type { SurveyAnswers } from '../survey/prescreen.js';
import type { SurveyService } from '../survey/survey.service.js';
import {
  type ClinicianRow,
  type CliniciansRepository,
  clinicianLicenses,
  clinicianStates,
} from './clinicians.repository.js';
import { type QuestionsRepository, SEALED_ANSWERS, SEALED_QUESTIONS } from './questions.repository.js';
import type { ReviewRow, ReviewsRepository } from './reviews.repository.js';

/** Issue 11 item 6 — "being reviewed by …" lasts this long after the clinician last opened the session. */
export const CLAIM_MS = 15 * 60_000;
export const QUEUE_PAGE_SIZE = 50;
export const QUESTION_MAX = 2000;

export type QueueName = 'live' | 'sandbox';

export interface QueueEntry {
  session: SessionRow;
  ageMs: number;
  /** Another clinician has it open (soft claim). */
  reviewedBy: string | null;
  /** The shopper answered a question: back at the top. */
  answered: boolean;
}

export interface QueueOptions {
  queue: QueueName;
  state?: string;
  /** Waiting at least this long. */
  minAgeMs?: number;
  search?: string;
  page: number;
}

export interface QueueView {
  queue: QueueName;
  entries: QueueEntry[];
  total: number;
  oldestAgeMs: number | null;
  page: number;
  pages: number;
}

export interface QuestionView {
  id: string;
  question: string;
  askedAt: number;
  answer: string | null;
  answeredAt: number | null;
}

export type ReviewView =
  | {
      state: 'open';
      session: SessionRow;
      answers: SurveyAnswers | undefined;
      items: OrderItem[];
      questions: QuestionView[];
      reviewedBy: string | null;
    }
  | { state: 'reviewed'; session: SessionRow }
  | { state: 'waiting'; session: SessionRow; questions: QuestionView[] };

export interface DecidedView {
  session: SessionRow;
  review: ReviewRow;
  note: string | null;
  answers: SurveyAnswers | undefined;
  questions: QuestionView[];
}

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

/** Issue 11 item 4 — which modes a clinician's work includes. */
export function queuesOf(clinician: ClinicianRow): QueueName[] {
  return clinician.sandbox === 'only'
    ? ['sandbox']
    : clinician.sandbox === 'also'
      ? ['live', 'sandbox']
      : ['live'];
}

/** SPEC §2.3 — the clinician's queue, review page and decisions. */
export class ReviewService {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repos: {
      sessions: SessionsRepository;
      reviews: ReviewsRepository;
      clinicians: CliniciansRepository;
      questions: QuestionsRepository;
    },
    private readonly cipher: PhiCipher,
    private readonly lifecycle: LifecycleService,
    private readonly survey: SurveyService,
    private readonly lmn: LmnService,
    private readonly audit: AuditService,
    private readonly events: EventsService,
    private readonly mail: MailService,
  ) {}

  /**
   * Issue 11 items 4 and 6 — one page of the work list: live or sandbox (never mixed; a clinician
   * without access to a queue sees it empty), filtered by state, age and search, with the count
   * and the oldest wait of everything the filter matches.
   */
  async queue(clinician: ClinicianRow, options: QueueOptions): Promise<QueueView> {
    const now = this.clock.now();
    const licensed = clinicianStates(clinician);
    const states = options.state ? licensed.filter((s) => s === options.state) : licensed;
    const allowed = queuesOf(clinician).includes(options.queue);
    const filter: QueueFilter = {
      livemode: options.queue === 'live' ? 1 : 0,
      states: allowed ? states : [],
      ...(options.minAgeMs ? { submittedBefore: now - options.minAgeMs } : {}),
      ...(options.search?.trim() ? { search: options.search.trim() } : {}),
    };
    const summary = await this.repos.sessions.reviewQueueSummary(this.database.db, filter);
    const pages = Math.max(1, Math.ceil(summary.depth / QUEUE_PAGE_SIZE));
    const page = Math.min(Math.max(1, options.page), pages);
    const rows = await this.repos.sessions.reviewQueue(
      this.database.db,
      filter,
      QUEUE_PAGE_SIZE,
      (page - 1) * QUEUE_PAGE_SIZE,
    );
    const claims = await this.repos.reviews.claims(
      this.database.db,
      rows.map((r) => r.id),
      now - CLAIM_MS,
    );
    const names = await this.names(
      claims.filter((c) => c.clinician_id !== clinician.id).map((c) => c.clinician_id),
    );
    const claimOf = new Map(claims.map((c) => [c.session_id, c.clinician_id]));
    return {
      queue: options.queue,
      entries: rows.map((session) => {
        const by = claimOf.get(session.id);
        return {
          session,
          ageMs: now - Number(session.submitted_at ?? session.created_at),
          reviewedBy: by && by !== clinician.id ? (names.get(by) ?? 'another clinician') : null,
          answered: session.requeued_at !== null,
        };
      }),
      total: summary.depth,
      oldestAgeMs: summary.oldest === null ? null : now - summary.oldest,
      page,
      pages,
    };
  }

  /** Shows the decrypted answers; every view is written to the audit log (SPEC §2.6). */
  async open(clinician: ClinicianRow, sessionId: string): Promise<ReviewView> {
    const session = await this.licensedSession(clinician, sessionId);
    if (session.status !== 'processing') return { state: 'reviewed', session };
    const questions = await this.questions(session.id);
    if (session.awaiting_shopper_since !== null) return { state: 'waiting', session, questions };
    const answers = await this.survey.answers(session.id);
    const now = this.clock.now();
    const [claim] = await this.repos.reviews.claims(this.database.db, [session.id], now - CLAIM_MS);
    const reviewedBy =
      claim && claim.clinician_id !== clinician.id
        ? ((await this.names([claim.clinician_id])).get(claim.clinician_id) ?? 'another clinician')
        : null;
    await transact(this.database, async (tx) => {
      // Issue 11 item 6 — the soft claim: the newest opener holds it for 15 minutes.
      await this.repos.reviews.claim(tx.db, {
        session_id: session.id,
        clinician_id: clinician.id,
        claimed_at: now,
      });
      await this.audit.append(tx, {
        actorType: 'clinician',
        actorId: clinician.id,
        action: 'answers.view',
        subjectId: session.id,
      });
    });
    return {
      state: 'open',
      session,
      answers,
      items: parseOrderItems(session.order_items),
      questions,
      reviewedBy,
    };
  }

  /** Issue 11 item 6 — "My decisions": the sessions this clinician decided, newest first. */
  async decisions(
    clinician: ClinicianRow,
    page: number,
  ): Promise<{
    rows: Array<{ review: ReviewRow; session: SessionRow | undefined }>;
    page: number;
    pages: number;
    total: number;
  }> {
    const total = await this.repos.reviews.countByClinician(this.database.db, clinician.id);
    const pages = Math.max(1, Math.ceil(total / QUEUE_PAGE_SIZE));
    const current = Math.min(Math.max(1, page), pages);
    const reviews = await this.repos.reviews.byClinician(
      this.database.db,
      clinician.id,
      QUEUE_PAGE_SIZE,
      (current - 1) * QUEUE_PAGE_SIZE,
    );
    const sessions = new Map(
      (
        await this.repos.sessions.findMany(
          this.database.db,
          reviews.map((r) => r.session_id),
        )
      ).map((s) => [s.id, s]),
    );
    return {
      rows: reviews.map((review) => ({ review, session: sessions.get(review.session_id) })),
      page: current,
      pages,
      total,
    };
  }

  /** One of the clinician's own decisions, readable again; the read is audited. */
  async decided(clinician: ClinicianRow, sessionId: string): Promise<DecidedView> {
    const review = await this.repos.reviews.find(this.database.db, sessionId);
    const session = await this.repos.sessions.find(this.database.db, sessionId);
    if (!review || !session || review.clinician_id !== clinician.id)
      throw new ApiError('NotFound', 'No such decision of yours.');
    const answers = await this.survey.answers(session.id);
    await this.audit.record({
      actorType: 'clinician',
      actorId: clinician.id,
      action: 'decision.view',
      subjectId: session.id,
    });
    return {
      session,
      review,
      note: review.note === null ? null : this.cipher.decrypt(review.note, noteContext(session.id)),
      answers,
      questions: await this.questions(session.id),
    };
  }

  /** The order items of a session the clinician may decide: what the approve form is checked against. */
  async orderItems(clinician: ClinicianRow, sessionId: string): Promise<OrderItem[]> {
    return parseOrderItems((await this.licensedSession(clinician, sessionId)).order_items);
  }

  /**
   * Issue 11 item 5 — "Ask the shopper": the question is sealed and audited, the session stays
   * `processing` but leaves the queue until the shopper answers, and the merchant hears why it
   * waits (`qualification_session.information_requested`, without the question).
   */
  async ask(clinician: ClinicianRow, sessionId: string, question: string): Promise<void> {
    const text = question.trim();
    if (text === '' || text.length > QUESTION_MAX)
      throw new ApiError('ValidationError', `Write a question of 1 to ${QUESTION_MAX} characters.`);
    await transact(this.database, async (tx) => {
      const session = await this.lockedLicensedSession(tx, clinician, sessionId);
      if (session.status !== 'processing')
        throw new ApiError('InvalidStatusTransition', 'This session was already reviewed.');
      if (session.awaiting_shopper_since !== null)
        throw new ApiError('InvalidStatusTransition', 'A question to this shopper is already open.');
      const now = this.clock.now();
      const id = newId('sq');
      await this.repos.questions.insert(tx.db, {
        id,
        session_id: session.id,
        clinician_id: clinician.id,
        question: this.cipher.encrypt(text, SEALED_QUESTIONS.context(id)),
        asked_at: now,
        answer: null,
        answered_at: null,
      });
      const waiting = await this.repos.sessions.update(tx.db, session, {
        awaiting_shopper_since: now,
        requeued_at: null,
        updated_at: now,
      });
      await this.repos.reviews.release(tx.db, session.id);
      await this.audit.append(tx, {
        actorType: 'clinician',
        actorId: clinician.id,
        action: 'session.ask',
        subjectId: session.id,
        details: { question_id: id },
      });
      await this.events.record(tx, {
        salesChannelId: session.sales_channel_id,
        type: 'qualification_session.information_requested',
        sessionId: session.id,
        source: waiting,
      });
      // Issue 10 item 2 — "the clinician has a question": a link to the patient check, never the question.
      await this.mail.enqueue(tx, {
        kind: 'clinician_question',
        sessionId: session.id,
        to: session.email,
        event: id,
      });
    });
  }

  /**
   * The open question of a session waiting for its shopper, decrypted for the shopper's page (the
   * caller checked the shopper link's token).
   */
  async openQuestion(sessionId: string): Promise<QuestionView | undefined> {
    const session = await this.repos.sessions.find(this.database.db, sessionId);
    if (session?.status !== 'processing' || session.awaiting_shopper_since === null) return undefined;
    return (await this.questions(session.id)).find((q) => q.answeredAt === null);
  }

  /**
   * The shopper's answer (the caller checked the link): sealed, audited, and the session back at
   * the top of the queue. False when there is no open question any more.
   */
  async answer(sessionId: string, questionId: string, answer: string): Promise<boolean> {
    const text = answer.trim();
    if (text === '' || text.length > QUESTION_MAX) return false;
    return transact(this.database, async (tx) => {
      const current = await this.repos.sessions.findForUpdate(tx.db, tx.engine, sessionId);
      if (current?.status !== 'processing' || current.awaiting_shopper_since === null) return false;
      const now = this.clock.now();
      const sealed = this.cipher.encrypt(text, SEALED_ANSWERS.context(questionId));
      const question = (await this.repos.questions.forSession(tx.db, current.id)).find(
        (q) => q.id === questionId,
      );
      if (!question || !(await this.repos.questions.answer(tx.db, questionId, sealed, now))) return false;
      await this.repos.sessions.update(tx.db, current, {
        awaiting_shopper_since: null,
        requeued_at: now,
        updated_at: now,
      });
      await this.audit.append(tx, {
        actorType: 'anonymous',
        action: 'session.answer',
        subjectId: current.id,
        details: { question_id: questionId },
      });
      return true;
    });
  }

  /**
   * SPEC §2.3/§2.5 — approve and issue the LMN in one transaction. A second clinician deciding the
   * same session loses the compare-and-set: `InvalidStatusTransition` ("already reviewed").
   */
  async approve(clinician: ClinicianRow, sessionId: string, decision: ApproveDecision): Promise<LmnRow> {
    const answers = await this.survey.answers(sessionId);
    return transact(this.database, async (tx) => {
      const session = await this.lockedLicensedSession(tx, clinician, sessionId);
      this.mustNotWait(session);
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
      this.mustNotWait(session);
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

  private mustNotWait(session: SessionRow): void {
    if (session.status === 'processing' && session.awaiting_shopper_since !== null)
      throw new ApiError('InvalidStatusTransition', 'This session waits for the shopper’s answer.');
  }

  private async questions(sessionId: string): Promise<QuestionView[]> {
    const rows = await this.repos.questions.forSession(this.database.db, sessionId);
    return rows.map((q) => ({
      id: q.id,
      question: this.cipher.decrypt(q.question, SEALED_QUESTIONS.context(q.id)),
      askedAt: Number(q.asked_at),
      answer: q.answer === null ? null : this.cipher.decrypt(q.answer, SEALED_ANSWERS.context(q.id)),
      answeredAt: q.answered_at === null ? null : Number(q.answered_at),
    }));
  }

  private async names(ids: readonly string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    for (const id of new Set(ids)) {
      const row = await this.repos.clinicians.find(this.database.db, id);
      if (row) names.set(id, `${row.name}, ${row.credentials}`);
    }
    return names;
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
    await this.repos.reviews.release(tx.db, sessionId);
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

  /**
   * Not licensed in the shopper's state, or not this clinician's mode (issue 11 item 4: a
   * test-mode session never reaches a live-only clinician, a live one never the sandbox-only demo):
   * the session does not exist for them.
   */
  private mustBeLicensed(clinician: ClinicianRow, session: SessionRow | undefined): SessionRow {
    if (
      !session ||
      session.shopper_state === null ||
      !clinicianStates(clinician).includes(session.shopper_state) ||
      !queuesOf(clinician).includes(session.livemode === 1 ? 'live' : 'sandbox')
    ) {
      throw new ApiError('NotFound', 'No such session in your queue.');
    }
    return session;
  }
}
