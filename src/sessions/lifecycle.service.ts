import type { Tx } from '../db/transaction.js';
import type { EventsService } from '../events/events.service.js';
import { type Clock, DAY_MS } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import type { MailService } from '../mail/mail.service.js';
import { parseOrderItems } from './sessions.presenter.js';
import type { SessionRow, SessionsRepository, TransitionPatch } from './sessions.repository.js';
import type { RejectionReason, SessionStatus, TransitionActor } from './sessions.vocabulary.js';

/** Who caused a transition; recorded with it (SPEC §2.4: automatic rejections are actor `rules`). */
export interface Actor {
  type: TransitionActor;
  id?: string | null;
}

export interface SubmitInput {
  email?: string | null;
  state?: string | null;
}

export interface ApproveInput {
  /** SKUs the LMN covers; undefined means every order item. */
  coveredSkus?: string[];
  validityDays?: number;
}

export interface RejectInput {
  reason: RejectionReason;
}

export const DEFAULT_VALIDITY_DAYS = 365;
export const MAX_VALIDITY_DAYS = 365;

/**
 * SPEC §2.1 — the status machine, the only code that changes `status`. Every method runs inside
 * the caller's transaction and writes the transition and its events there, so a transition
 * without its event (or the reverse) cannot commit. Survey, console, rules and test helpers all
 * call these.
 *
 *   pending ──submit──► processing ──approve──► approved
 *                                  └─reject───► rejected
 */
export class LifecycleService {
  constructor(
    private readonly clock: Clock,
    private readonly repo: SessionsRepository,
    private readonly events: EventsService,
    /** Issue 10 item 2 — the shopper's emails, queued with the transition that causes them. */
    private readonly mail?: Pick<MailService, 'enqueue'>,
  ) {}

  async submit(tx: Tx, session: SessionRow, input: SubmitInput, actor: Actor): Promise<SessionRow> {
    const now = this.clock.now();
    const patch: TransitionPatch = {
      status: 'processing',
      submitted_at: now,
      updated_at: now,
      email: input.email ?? session.email,
      shopper_state: input.state ?? session.shopper_state,
    };
    const updated = await this.move(tx, session, 'pending', patch, actor);
    await this.events.record(tx, {
      salesChannelId: updated.sales_channel_id,
      type: 'qualification_session.processing',
      sessionId: updated.id,
      source: updated,
    });
    if (actor.type === 'shopper')
      await this.mail?.enqueue(tx, { kind: 'answers_received', sessionId: updated.id, to: updated.email });
    return updated;
  }

  async approve(tx: Tx, session: SessionRow, input: ApproveInput, actor: Actor): Promise<SessionRow> {
    const validityDays = input.validityDays ?? DEFAULT_VALIDITY_DAYS;
    if (!Number.isInteger(validityDays) || validityDays < 1 || validityDays > MAX_VALIDITY_DAYS) {
      throw new ApiError(
        'ValidationError',
        `validity_days must be an integer from 1 to ${MAX_VALIDITY_DAYS}`,
      );
    }
    const items = parseOrderItems(session.order_items);
    const covered = input.coveredSkus;
    if (covered) {
      const known = new Set(items.map((i) => i.sku));
      const unknown = covered.find((sku) => !known.has(sku));
      if (unknown !== undefined)
        throw new ApiError('ValidationError', `sku ${unknown} is not an item of this session`);
    }
    const eligible = items
      .filter((item) => !covered || covered.includes(item.sku))
      .reduce((sum, item) => sum + (item.price ?? 0) * item.quantity, 0);
    // Bounded at create (issue 13 item 6); a session stored before that bound cannot be approved inexactly.
    if (!Number.isSafeInteger(eligible))
      throw new ApiError('ValidationError', 'the covered items total more cents than can be counted exactly');
    const now = this.clock.now();
    const updated = await this.move(
      tx,
      session,
      'processing',
      {
        status: 'approved',
        lmn_reviewed_at: now,
        expires_at: now + validityDays * DAY_MS,
        eligible_amount: eligible,
        rejection_reason: null,
        updated_at: now,
      },
      actor,
    );
    await this.complete(tx, updated);
    await this.mail?.enqueue(tx, { kind: 'letter_ready', sessionId: updated.id, to: updated.email });
    return updated;
  }

  async reject(tx: Tx, session: SessionRow, input: RejectInput, actor: Actor): Promise<SessionRow> {
    const now = this.clock.now();
    const updated = await this.move(
      tx,
      session,
      'processing',
      {
        status: 'rejected',
        lmn_reviewed_at: now,
        expires_at: null,
        eligible_amount: null,
        rejection_reason: input.reason,
        updated_at: now,
      },
      actor,
    );
    await this.complete(tx, updated);
    await this.mail?.enqueue(tx, { kind: 'not_approved', sessionId: updated.id, to: updated.email });
    return updated;
  }

  /** Compare-and-set from `from`; exactly one of several racing transitions wins. */
  private async move(
    tx: Tx,
    session: SessionRow,
    from: SessionStatus,
    patch: TransitionPatch,
    actor: Actor,
  ): Promise<SessionRow> {
    const updated = await this.repo.transition(tx.db, session, from, patch);
    if (!updated) {
      const current = (await this.repo.find(tx.db, session.id))?.status ?? session.status;
      throw new ApiError(
        'InvalidStatusTransition',
        `cannot move a session from ${current} to ${patch.status}`,
      );
    }
    await this.repo.insertTransition(tx.db, {
      id: newId('tr'),
      session_id: session.id,
      from_status: from,
      to_status: patch.status,
      actor: actor.type,
      actor_id: actor.id ?? null,
      created_at: patch.updated_at ?? this.clock.now(),
    });
    return updated;
  }

  /** SPEC §3.2 — exactly once per session: only the winning terminal transition reaches here. */
  private async complete(tx: Tx, session: SessionRow): Promise<void> {
    await this.events.record(tx, {
      salesChannelId: session.sales_channel_id,
      type: 'qualification_session.complete',
      sessionId: session.id,
      source: session,
    });
  }
}
