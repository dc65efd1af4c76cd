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
import type { Actor, LifecycleService } from './lifecycle.service.js';
import { type PresenterContext, presentSession } from './sessions.presenter.js';
import type { SessionFilter, SessionPatch, SessionRow, SessionsRepository } from './sessions.repository.js';
import type {
  CreateSessionBody,
  ListSessionsQuery,
  QualificationSession,
  TestApproveBody,
  TestRejectBody,
  TestSubmitBody,
  UpdateSessionBody,
  UpdateSessionResponse,
} from './sessions.schemas.js';
import type { SessionStatus } from './sessions.vocabulary.js';

const TEST_HELPER: Actor = { type: 'test_helper' };

export interface SessionList {
  qualification_sessions: QualificationSession[];
  pagination: { current_page: number; page_size: number; total_count: number; last_page: number };
}

export class SessionsService {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repo: SessionsRepository,
    private readonly idempotency: IdempotencyService,
    private readonly lifecycle: LifecycleService,
    private readonly presenter: PresenterContext,
  ) {}

  /** SPEC §1.4 — idempotent per channel. */
  async create(
    channel: ChannelRow,
    body: CreateSessionBody,
    render: RenderResponse<QualificationSession>,
  ): Promise<StoredResponse> {
    if (body.email !== undefined && body.customer_email !== undefined && body.email !== body.customer_email) {
      throw new ApiError('ValidationError', 'email and customer_email must not differ');
    }
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
    const [rows, total] = await Promise.all([
      this.repo.list(this.database.db, filter, pageSize, (page - 1) * pageSize),
      this.repo.count(this.database.db, filter),
    ]);
    return {
      qualification_sessions: rows.map((row) => presentSession(this.presenter, row)),
      pagination: {
        current_page: page,
        page_size: pageSize,
        total_count: total,
        last_page: Math.max(1, Math.ceil(total / pageSize)),
      },
    };
  }

  /** SPEC §1.7 — keeps the session in step with the merchant; never touches the qualification. */
  async update(
    channel: ChannelRow,
    id: string,
    body: UpdateSessionBody,
    render: RenderResponse<UpdateSessionResponse>,
  ): Promise<StoredResponse> {
    await this.mustFind(channel, id);
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
    return this.testTransition(channel, id, async (tx, session) =>
      this.lifecycle.approve(
        tx,
        await this.submittedForTest(tx, session),
        { coveredSkus: body.sku, validityDays: body.validity_days },
        TEST_HELPER,
      ),
    );
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
    await this.mustFind(channel, id);
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

  private async mustFind(channel: ChannelRow, id: string): Promise<SessionRow> {
    const session = await this.repo.findInChannel(this.database.db, channel.id, id);
    if (!session) throw new ApiError('NotFound', `no qualification session ${id}`);
    return session;
  }
}
