import type { ChannelRow } from '../channels/channels.repository.js';
import type { Database } from '../db/database.js';
import { type Tx, transact } from '../db/transaction.js';
import type {
  IdempotencyService,
  RenderResponse,
  StoredResponse,
} from '../idempotency/idempotency.service.js';
import { requestFingerprint } from '../lib/canonical-json.js';
import { type Clock, DAY_MS } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import type { SurveyAnswers } from '../survey/prescreen.js';
import type { Actor, LifecycleService } from './lifecycle.service.js';
import { type PresenterContext, pagination, presentSession } from './sessions.presenter.js';
import type {
  PublicSessionRow,
  SessionFilter,
  SessionPatch,
  SessionRow,
  SessionsRepository,
} from './sessions.repository.js';
import type {
  CreateSessionRequest,
  ListSessionsQuery,
  Pagination,
  QualificationSession,
  TestApproveBody,
  TestRejectBody,
  TestSubmitBody,
  UpdateSessionRequest,
  UpdateSessionResponse,
} from './sessions.schemas.js';
import type { SessionStatus } from './sessions.vocabulary.js';

const TEST_HELPER: Actor = { type: 'test_helper' };

/**
 * Issue 13 item 6 — `eligible_amount` is a sum of some items' price × quantity, so the whole
 * order's sum must be an exact integer number of cents: at most 2^53 − 1. Each product is within
 * it by the schema's bounds; the sum of 100 of them need not be.
 */
function assertExactTotal(items: ReadonlyArray<{ price?: number | null; quantity?: number }>): void {
  const total = items.reduce((sum, item) => sum + (item.price ?? 0) * (item.quantity ?? 1), 0);
  if (!Number.isSafeInteger(total))
    throw new ApiError(
      'ValidationError',
      `order_items total (price × quantity, summed) must be at most ${Number.MAX_SAFE_INTEGER} cents`,
    );
}

export interface SessionList {
  qualification_sessions: QualificationSession[];
  pagination: Pagination;
}

/** How the test helpers issue a test letter without the sessions service knowing about letters. */
export interface TestLetters {
  /** The survey answers, read before the transaction (date of birth, conditions). */
  answers(sessionId: string): Promise<SurveyAnswers | undefined>;
  issue(
    tx: Tx,
    approved: SessionRow,
    answers: SurveyAnswers | undefined,
    coveredSkus: string[] | undefined,
  ): Promise<void>;
}

export class SessionsService {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repo: SessionsRepository,
    private readonly idempotency: IdempotencyService,
    private readonly lifecycle: LifecycleService,
    private readonly presenter: PresenterContext,
    /** Issue 10 item 4 — a test-helper approval issues a test letter. */
    private readonly testLetters?: TestLetters,
  ) {}

  /** SPEC §1.4 — idempotent per channel. */
  async create(
    channel: ChannelRow,
    body: CreateSessionRequest,
    render: RenderResponse<QualificationSession>,
  ): Promise<StoredResponse> {
    if (body.email !== undefined && body.customer_email !== undefined && body.email !== body.customer_email) {
      throw new ApiError('ValidationError', 'email and customer_email must not differ');
    }
    assertExactTotal(body.order_items ?? []);
    const key = {
      scope: `create:${channel.id}`,
      key: body.idempotency_key,
      fingerprint: requestFingerprint(body),
    };
    return this.idempotency.run(key, render, async (tx) => {
      const now = this.clock.now();
      const items = (body.order_items ?? []).map((item) => ({
        sku: item.sku,
        name: item.name ?? null,
        price: item.price ?? null,
        quantity: item.quantity ?? 1,
      }));
      const row = await this.repo.insert(tx.db, {
        id: newId('qs'),
        sales_channel_id: channel.id,
        livemode: channel.livemode,
        status: 'pending',
        created_at: now,
        updated_at: now,
        email: body.email ?? body.customer_email ?? null,
        customer_name: body.customer_name ?? null,
        user_id: body.user_id ?? null,
        source: body.source ?? null,
        skus_param: items.length > 0 ? items.map((i) => i.sku).join(',') : null,
        metadata: body.metadata ?? null,
        success_url: body.success_url ?? null,
        failure_url: body.failure_url ?? null,
        order_items: JSON.stringify(items),
        eligible_amount: null,
        expires_at: null,
        lmn_reviewed_at: null,
        rejection_reason: null,
        shopper_state: null,
        submitted_at: null,
        awaiting_shopper_since: null,
        requeued_at: null,
      });
      return { ok: true, value: presentSession(this.presenter, row) };
    });
  }

  /** SPEC §1.5 — another channel's session does not exist for the caller. */
  async retrieve(channel: ChannelRow, id: string): Promise<QualificationSession> {
    return presentSession(this.presenter, await this.mustFind(channel, id));
  }

  /** SPEC §1.6 */
  async list(channel: ChannelRow, query: ListSessionsQuery): Promise<SessionList> {
    const page = query.page ?? 1;
    const pageSize = query.page_size ?? 30;
    const filter = this.filterOf(channel, query);
    const [rows, total] = await Promise.all([
      this.repo.list(this.database.db, filter, pageSize, (page - 1) * pageSize),
      this.repo.count(this.database.db, filter),
    ]);
    return {
      qualification_sessions: rows.map((row) => presentSession(this.presenter, row)),
      pagination: pagination(page, pageSize, total),
    };
  }

  /**
   * Issue 12 item 2 — every session of the list's filter, as the merchant API presents them,
   * newest first, a batch at a time (the dashboard's CSV export streams them: no row cap).
   */
  async *export(
    channel: ChannelRow,
    query: Omit<ListSessionsQuery, 'page' | 'page_size'>,
  ): AsyncGenerator<QualificationSession[]> {
    const filter = this.filterOf(channel, query);
    for await (const rows of this.repo.stream(this.database.db, filter))
      yield rows.map((row) => presentSession(this.presenter, row));
  }

  private filterOf(channel: ChannelRow, query: Omit<ListSessionsQuery, 'page' | 'page_size'>): SessionFilter {
    const filter: SessionFilter = { channelId: channel.id };
    if (query.status !== undefined)
      filter.statuses = [...new Set(query.status.split(','))] as SessionStatus[];
    if (query.user_id !== undefined) filter.userId = query.user_id;
    if (query.search !== undefined) filter.search = query.search;
    if (query.expires_at !== undefined) {
      const day = Date.parse(`${query.expires_at}T00:00:00.000Z`);
      if (Number.isNaN(day) || new Date(day).toISOString().slice(0, 10) !== query.expires_at) {
        throw new ApiError('ValidationError', 'expires_at must be a valid date as YYYY-MM-DD');
      }
      filter.expiresFrom = day;
      filter.expiresBefore = day + DAY_MS;
    }
    return filter;
  }

  /** SPEC §1.7 — keeps the session in step with the merchant; never touches the qualification. */
  async update(
    channel: ChannelRow,
    id: string,
    body: UpdateSessionRequest,
    render: RenderResponse<UpdateSessionResponse>,
  ): Promise<StoredResponse> {
    await this.assertExists(channel, id);
    const key = { scope: `update:${id}`, key: body.idempotency_key, fingerprint: requestFingerprint(body) };
    return this.idempotency.run(key, render, async (tx) => {
      const session = await this.lockedSession(tx, id);

      // Rule 4: user_id is set-when-null. A different value over a stored one is a 409 and
      // nothing else in the request applies; the same value is not an overwrite.
      if (body.user_id !== undefined && session.user_id !== null && body.user_id !== session.user_id) {
        return {
          ok: false,
          error: new ApiError(
            'user_id_already_set',
            'user_id is already set on this qualification session and cannot be changed',
          ),
        };
      }

      // Rule 5: only supplied fields change.
      const patch: SessionPatch = {};
      if (body.user_id !== undefined && body.user_id !== null && session.user_id === null) {
        patch.user_id = body.user_id;
      }
      if (body.metadata !== undefined) patch.metadata = body.metadata;
      if (body.success_url !== undefined) patch.success_url = body.success_url;
      if (body.failure_url !== undefined) patch.failure_url = body.failure_url;
      if (Object.keys(patch).length > 0) {
        patch.updated_at = this.clock.now();
        await this.repo.update(tx.db, session, patch);
      }
      return { ok: true, value: { qualification_session_id: session.id, status: session.status } };
    });
  }

  // SPEC §5 — test helpers drive the real transitions of the lifecycle service.

  async testSubmit(channel: ChannelRow, id: string, body: TestSubmitBody): Promise<QualificationSession> {
    return this.testTransition(channel, id, (tx, session) =>
      this.lifecycle.submit(tx, session, body, TEST_HELPER),
    );
  }

  async testApprove(channel: ChannelRow, id: string, body: TestApproveBody): Promise<QualificationSession> {
    const answers = await this.testLetters?.answers(id);
    return this.testTransition(channel, id, async (tx, session) => {
      const approved = await this.lifecycle.approve(
        tx,
        await this.submittedForTest(tx, session),
        { coveredSkus: body.sku, validityDays: body.validity_days },
        TEST_HELPER,
      );
      await this.testLetters?.issue(tx, approved, answers, body.sku);
      return approved;
    });
  }

  async testReject(channel: ChannelRow, id: string, body: TestRejectBody): Promise<QualificationSession> {
    return this.testTransition(channel, id, async (tx, session) =>
      this.lifecycle.reject(
        tx,
        await this.submittedForTest(tx, session),
        { reason: body.reason ?? 'clinician_declined' },
        TEST_HELPER,
      ),
    );
  }

  /** One test-helper transition on the locked session, in a transaction of its own. */
  private async testTransition(
    channel: ChannelRow,
    id: string,
    move: (tx: Tx, session: SessionRow) => Promise<SessionRow>,
  ): Promise<QualificationSession> {
    await this.assertExists(channel, id);
    return transact(this.database, async (tx) =>
      presentSession(this.presenter, await move(tx, await this.lockedSession(tx, id))),
    );
  }

  /** The approve and reject helpers submit a pending session first (SPEC §5). */
  private async submittedForTest(tx: Tx, session: SessionRow): Promise<SessionRow> {
    return session.status === 'pending' ? this.lifecycle.submit(tx, session, {}, TEST_HELPER) : session;
  }

  private async lockedSession(tx: Tx, id: string): Promise<SessionRow> {
    const session = await this.repo.findForUpdate(tx.db, tx.engine, id);
    if (!session) throw new ApiError('NotFound', `no qualification session ${id}`);
    return session;
  }

  /** SPEC §1.7 rule 1 — an unknown session (or another channel's) is a 404 before anything else. */
  async assertExists(channel: ChannelRow, id: string): Promise<void> {
    if (!(await this.repo.idInChannel(this.database.db, channel.id, id)))
      throw new ApiError('NotFound', `no qualification session ${id}`);
  }

  private async mustFind(channel: ChannelRow, id: string): Promise<PublicSessionRow> {
    const session = await this.repo.findInChannel(this.database.db, channel.id, id);
    if (!session) throw new ApiError('NotFound', `no qualification session ${id}`);
    return session;
  }
}
