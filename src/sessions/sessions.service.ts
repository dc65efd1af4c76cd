import type { ChannelRow } from '../channels/channels.repository.js';
import type { Database } from '../db/database.js';
import type { SessionStatus } from '../db/schema.js';
import { type Tx, transact } from '../db/transaction.js';
import type { IdempotencyService, StoredResponse } from '../idempotency/idempotency.service.js';
import { requestFingerprint } from '../lib/canonical-json.js';
import { type Clock, DAY_MS } from '../lib/clock.js';
import { ApiError, errorBody } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import type { LifecycleService } from './lifecycle.service.js';
import { type PresenterContext, presentSession } from './sessions.presenter.js';
import {
  type SessionFilter,
  type SessionPatch,
  type SessionRow,
  SessionsRepository,
  searchText,
} from './sessions.repository.js';
import type {
  CreateSessionBody,
  ListSessionsQuery,
  QualificationSession,
  TestApproveBody,
  TestRejectBody,
  TestSubmitBody,
  UpdateSessionBody,
} from './sessions.schemas.js';

export interface RequestContext {
  requestId: string;
}

export interface SessionList {
  qualification_sessions: QualificationSession[];
  pagination: { current_page: number; page_size: number; total_count: number; last_page: number };
}

export class SessionsService {
  private readonly repo = new SessionsRepository();

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly idempotency: IdempotencyService,
    private readonly lifecycle: LifecycleService,
    private readonly presenter: PresenterContext,
  ) {}

  /** SPEC §1.4 — idempotent per channel. */
  async create(channel: ChannelRow, body: CreateSessionBody): Promise<StoredResponse> {
    if (body.email !== undefined && body.customer_email !== undefined && body.email !== body.customer_email) {
      throw new ApiError('ValidationError', 'email and customer_email must not differ');
    }
    const scope = `create:${channel.id}`;
    return this.idempotency.run(scope, body.idempotency_key, requestFingerprint(body), async (tx) => {
      const now = this.clock.now();
      const items = (body.order_items ?? []).map((item) => ({
        sku: item.sku,
        name: item.name ?? null,
        price: item.price ?? null,
        quantity: item.quantity ?? 1,
      }));
      const id = newId('qs');
      const base = {
        id,
        email: body.email ?? body.customer_email ?? null,
        customer_name: body.customer_name ?? null,
        user_id: body.user_id ?? null,
        source: body.source ?? null,
      };
      const row: SessionRow = {
        ...base,
        sales_channel_id: channel.id,
        livemode: channel.livemode,
        status: 'pending',
        created_at: now,
        updated_at: now,
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
        search_text: searchText(base),
      };
      await this.repo.insert(tx.db, row);
      return { statusCode: 200, body: JSON.stringify(presentSession(this.presenter, row)) };
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
    ctx: RequestContext,
  ): Promise<StoredResponse> {
    await this.mustFind(channel, id);
    const scope = `update:${id}`;
    return this.idempotency.run(scope, body.idempotency_key, requestFingerprint(body), async (tx) => {
      const session = await this.lockedSession(tx, id);

      // Rule 4: user_id is set-when-null. A different value over a stored one is a 409 and
      // nothing else in the request applies; the same value is not an overwrite.
      if (body.user_id !== undefined && session.user_id !== null && body.user_id !== session.user_id) {
        return {
          statusCode: 409,
          body: JSON.stringify(
            errorBody(
              'user_id_already_set',
              'user_id is already set on this qualification session and cannot be changed',
              ctx.requestId,
            ),
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
        patch.search_text = searchText({ ...session, ...patch });
        await this.repo.update(tx.db, id, patch);
      }
      return {
        statusCode: 200,
        body: JSON.stringify({ qualification_session_id: session.id, status: session.status }),
      };
    });
  }

  // SPEC §5 — test helpers drive the real transitions of the lifecycle service.

  async testSubmit(channel: ChannelRow, id: string, body: TestSubmitBody): Promise<QualificationSession> {
    await this.mustFind(channel, id);
    return transact(this.database, async (tx) => {
      const session = await this.lockedSession(tx, id);
      const submitted = await this.lifecycle.submit(tx, session, body, { type: 'test_helper' });
      return presentSession(this.presenter, submitted);
    });
  }

  async testApprove(channel: ChannelRow, id: string, body: TestApproveBody): Promise<QualificationSession> {
    await this.mustFind(channel, id);
    return transact(this.database, async (tx) => {
      let session = await this.lockedSession(tx, id);
      if (session.status === 'pending')
        session = await this.lifecycle.submit(tx, session, {}, { type: 'test_helper' });
      const approved = await this.lifecycle.approve(
        tx,
        session,
        { coveredSkus: body.sku, validityDays: body.validity_days },
        { type: 'test_helper' },
      );
      return presentSession(this.presenter, approved);
    });
  }

  async testReject(channel: ChannelRow, id: string, body: TestRejectBody): Promise<QualificationSession> {
    await this.mustFind(channel, id);
    return transact(this.database, async (tx) => {
      let session = await this.lockedSession(tx, id);
      if (session.status === 'pending')
        session = await this.lifecycle.submit(tx, session, {}, { type: 'test_helper' });
      const rejected = await this.lifecycle.reject(
        tx,
        session,
        { reason: body.reason ?? 'clinician_declined' },
        { type: 'test_helper' },
      );
      return presentSession(this.presenter, rejected);
    });
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
