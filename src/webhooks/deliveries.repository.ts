import { type ExpressionBuilder, type RawBuilder, sql } from 'kysely';
import type { Engine } from '../db/database.js';
import { skipLocked } from '../db/dialect.js';
import type { DB, WebhookAttemptTable, WebhookDeliveryTable } from '../db/schema.js';
import type { Executor } from '../db/transaction.js';
import type { EventType } from './event-types.js';
import type { DeliveryStatus } from './webhooks.vocabulary.js';

export type DeliveryRow = WebhookDeliveryTable;
export type AttemptRow = WebhookAttemptTable;
export type DeliveryPatch = Partial<
  Omit<DeliveryRow, 'id' | 'event_id' | 'webhook_endpoint_id' | 'created_at'>
>;

const DELIVERY_COLUMNS = [
  'id',
  'event_id',
  'webhook_endpoint_id',
  'sales_channel_id',
  'event_type',
  'session_id',
  'sequence',
  'status',
  'attempt_count',
  'round_attempts',
  'next_attempt_at',
  'deadline_at',
  'lease_owner',
  'lease_expires_at',
  'last_status_code',
  'last_error',
  'created_at',
  'updated_at',
  'completed_at',
] as const satisfies readonly (keyof DeliveryRow)[];

export interface DeliveryFilter {
  channelId?: string;
  endpointId?: string;
  sessionId?: string;
  status?: DeliveryStatus;
  limit: number;
}

/** Fair claiming (issue 9 item 6): what this instance already sends, and the most it may. */
export interface ClaimShares {
  inflightByEndpoint: ReadonlyMap<string, number>;
  inflightByChannel: ReadonlyMap<string, number>;
  endpointCap: number;
  channelCap: number;
}

/** How many of the oldest due rows one claim ranks: `limit` times this, and at least the minimum. */
const CANDIDATE_WINDOW_FACTOR = 4;
const CANDIDATE_WINDOW_MIN = 64;

const UNLIMITED: ClaimShares = {
  inflightByEndpoint: new Map(),
  inflightByChannel: new Map(),
  endpointCap: Number.MAX_SAFE_INTEGER,
  channelCap: Number.MAX_SAFE_INTEGER,
};

/** `CASE column WHEN id THEN n … ELSE 0 END` over this instance's in-flight counts (at most its slots). */
function inflightOf(column: RawBuilder<unknown>, counts: ReadonlyMap<string, number>): RawBuilder<number> {
  const entries = [...counts].filter(([, n]) => n > 0);
  if (entries.length === 0) return sql<number>`0`;
  const whens = entries.map(([id, n]) => sql`WHEN ${id} THEN ${sql.lit(n)}`);
  return sql<number>`(CASE ${column} ${sql.join(whens, sql` `)} ELSE 0 END)`;
}

/** Pending and due, or delivering under a lease that has run out. */
function isDue(now: number) {
  return (eb: ExpressionBuilder<DB, 'webhook_deliveries'>) =>
    eb.or([
      eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
      eb.and([eb('status', '=', 'delivering'), eb('lease_expires_at', '<=', now)]),
    ]);
}

/** Issue 14 item 3 — no earlier delivery of the same session to the same endpoint is still open. */
function notBehindAnEarlier(eb: ExpressionBuilder<DB, 'webhook_deliveries'>) {
  return eb.not(
    eb.exists(
      eb
        .selectFrom('webhook_deliveries as earlier')
        .select('earlier.id')
        .whereRef('earlier.session_id', '=', 'webhook_deliveries.session_id')
        // Compared through an expression on purpose: PostgreSQL without fresh statistics (a new
        // table, a burst) would otherwise probe the endpoint's index, which holds every delivery
        // of the endpoint — hundreds of ms per claim for a backlog of a thousand. The session's
        // index (`webhook_deliveries_order`) finds its few rows whatever the statistics say.
        .where(
          sql`${sql.ref('earlier.webhook_endpoint_id')} || ''`,
          '=',
          sql.ref('webhook_deliveries.webhook_endpoint_id'),
        )
        .whereRef('earlier.sequence', '<', 'webhook_deliveries.sequence')
        .where('earlier.status', 'in', ['pending', 'delivering']),
    ),
  );
}

/** SQL for the delivery outbox and its attempts (SPEC §3.4). */
const ATTEMPT_COLUMNS = [
  'id',
  'webhook_delivery_id',
  'attempt_number',
  'attempted_at',
  'status_code',
  'error',
  'duration_ms',
  'response_body',
  'instance_id',
] as const;

export class DeliveriesRepository {
  async insertMany(db: Executor, rows: DeliveryRow[]): Promise<void> {
    if (rows.length > 0) await db.insertInto('webhook_deliveries').values(rows).execute();
  }

  async find(db: Executor, id: string): Promise<DeliveryRow | undefined> {
    return db
      .selectFrom('webhook_deliveries')
      .select(DELIVERY_COLUMNS)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  async list(db: Executor, filter: DeliveryFilter): Promise<DeliveryRow[]> {
    let query = db.selectFrom('webhook_deliveries').select(DELIVERY_COLUMNS);
    if (filter.channelId) query = query.where('sales_channel_id', '=', filter.channelId);
    if (filter.endpointId) query = query.where('webhook_endpoint_id', '=', filter.endpointId);
    if (filter.sessionId) query = query.where('session_id', '=', filter.sessionId);
    if (filter.status) query = query.where('status', '=', filter.status);
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  }

  /**
   * Claims up to `limit` due deliveries for `owner` until `leaseUntil`, in one statement: pending
   * ones whose time has come, and delivering ones whose lease expired (their instance died).
   *
   * Ordered (issue 14 item 3): a delivery waits while an earlier one (lower `sequence`) of its
   * session to its endpoint is still pending or delivering.
   *
   * Fair (issue 9 item 6): endpoints and channels already at their cap here are left out; the
   * oldest due rows of the rest (a bounded window) are ranked within their endpoint and then their
   * channel, each rank counting on from what that endpoint or channel already has in flight here
   * (`fair.inflight…`); none beyond `fair.endpointCap` / `fair.channelCap`, and the claim takes the
   * lowest ranks first — one from every channel before a second from any, and within a channel one
   * from every endpoint before a second. So a backlog or a slow endpoint cannot take every slot.
   *
   * On PostgreSQL the window's rows are locked `FOR UPDATE SKIP LOCKED` (re-checked as still due)
   * until the statement ends, so instances never claim the same row; SQLite has a single writer,
   * so the statement is exclusive on its own.
   */
  async claimDue(
    db: Executor,
    engine: Engine,
    now: number,
    limit: number,
    owner: string,
    leaseUntil: number,
    fair: ClaimShares = UNLIMITED,
  ): Promise<DeliveryRow[]> {
    const saturated = (counts: ReadonlyMap<string, number>, cap: number) =>
      [...counts].filter(([, n]) => n >= cap).map(([id]) => id);
    const saturatedEndpoints = saturated(fair.inflightByEndpoint, fair.endpointCap);
    const saturatedChannels = saturated(fair.inflightByChannel, fair.channelCap);
    // The oldest due rows of the endpoints and channels with room, a bounded window (the scan
    // stops there, however long the backlog): one endpoint's backlog fills its share, is then left
    // out by the saturated lists, and the next claim's window reaches the others.
    // Locked here, skipping rows another instance's claim holds, so concurrent claims rank
    // disjoint windows rather than all but one coming back empty.
    const window = skipLocked(
      engine,
      db
        .selectFrom('webhook_deliveries')
        .select(['id', 'webhook_endpoint_id', 'sales_channel_id', 'next_attempt_at'])
        .where(isDue(now))
        .where(notBehindAnEarlier)
        .$if(saturatedEndpoints.length > 0, (q) =>
          q.where('webhook_endpoint_id', 'not in', saturatedEndpoints),
        )
        .$if(saturatedChannels.length > 0, (q) => q.where('sales_channel_id', 'not in', saturatedChannels))
        .orderBy('next_attempt_at')
        .limit(Math.max(CANDIDATE_WINDOW_MIN, limit * CANDIDATE_WINDOW_FACTOR)),
    );
    const candidates = db
      .selectFrom(window.as('w'))
      .select((eb) => [
        'w.id',
        'w.sales_channel_id',
        'w.next_attempt_at',
        sql<number>`${eb.fn
          .agg<number>('row_number')
          .over((ob) =>
            ob.partitionBy('w.webhook_endpoint_id').orderBy('w.next_attempt_at').orderBy('w.id'),
          )} + ${inflightOf(sql.ref('w.webhook_endpoint_id'), fair.inflightByEndpoint)}`.as('endpoint_rank'),
      ]);
    const byChannel = db
      .selectFrom(candidates.as('c'))
      .select((eb) => [
        'c.id',
        'c.endpoint_rank',
        'c.next_attempt_at',
        sql<number>`${eb.fn
          .agg<number>('row_number')
          .over((ob) =>
            ob
              .partitionBy('c.sales_channel_id')
              .orderBy('c.endpoint_rank')
              .orderBy('c.next_attempt_at')
              .orderBy('c.id'),
          )} + ${inflightOf(sql.ref('c.sales_channel_id'), fair.inflightByChannel)}`.as('channel_rank'),
      ])
      .where('c.endpoint_rank', '<=', fair.endpointCap);
    const chosen = db
      .selectFrom(byChannel.as('r'))
      .select('r.id')
      .where('r.channel_rank', '<=', fair.channelCap)
      .orderBy('r.channel_rank')
      .orderBy('r.endpoint_rank')
      .orderBy('r.next_attempt_at')
      .limit(limit);
    return db
      .updateTable('webhook_deliveries')
      .set({ status: 'delivering', lease_owner: owner, lease_expires_at: leaseUntil, updated_at: now })
      .where('id', 'in', chosen)
      .returning(DELIVERY_COLUMNS)
      .execute();
  }

  /**
   * Applies one outcome to those of `ids` whose lease is still `owner`'s; returns the ids it
   * applied to (a lost lease is left alone: another claim owns the row now).
   */
  async finishLeased(db: Executor, ids: string[], owner: string, patch: DeliveryPatch): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .updateTable('webhook_deliveries')
      .set({ ...patch, lease_owner: null, lease_expires_at: null })
      .where('id', 'in', ids)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'delivering')
      .returning('id')
      .execute();
    return rows.map((row) => row.id);
  }

  async update(db: Executor, id: string, patch: DeliveryPatch): Promise<void> {
    await db.updateTable('webhook_deliveries').set(patch).where('id', '=', id).execute();
  }

  /** Back to the queue (or due now, if waiting for a retry); never a row in flight, whose claim stands. */
  async requeue(db: Executor, id: string, patch: DeliveryPatch): Promise<boolean> {
    const result = await db
      .updateTable('webhook_deliveries')
      .set(patch)
      .where('id', '=', id)
      .where('status', 'in', ['succeeded', 'failed', 'pending'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** The endpoint is gone or disabled: its queued deliveries fail (a redelivery can revive one). */
  async failQueuedForEndpoint(db: Executor, endpointId: string, reason: string, now: number): Promise<void> {
    await db
      .updateTable('webhook_deliveries')
      .set({
        status: 'failed',
        last_error: reason,
        next_attempt_at: null,
        completed_at: now,
        updated_at: now,
      })
      .where('webhook_endpoint_id', '=', endpointId)
      .where('status', '=', 'pending')
      .execute();
  }

  /**
   * Earliest time something may become claimable: a pending delivery's turn (one waiting behind an
   * earlier delivery of its session is not counted: it moves when that one is recorded) or a
   * lease's end.
   */
  async nextDueAt(db: Executor): Promise<number | null> {
    const pending = await db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.min<number>('next_attempt_at').as('at'))
      .where('status', '=', 'pending')
      .where(notBehindAnEarlier)
      .executeTakeFirst();
    const leased = await db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.min<number>('lease_expires_at').as('at'))
      .where('status', '=', 'delivering')
      .executeTakeFirst();
    const times = [pending?.at, leased?.at].filter((t): t is number => t !== null && t !== undefined);
    return times.length === 0 ? null : Math.min(...times.map(Number));
  }

  /** SPEC §4.4 — deliveries not yet delivered nor given up: waiting, or being sent (index `webhook_deliveries_due`). */
  async queueState(db: Executor): Promise<{ depth: number; oldest: number | null }> {
    const row = await db
      .selectFrom('webhook_deliveries')
      .select((eb) => [eb.fn.countAll<number>().as('depth'), eb.fn.min('created_at').as('oldest')])
      .where('status', 'in', ['pending', 'delivering'])
      .executeTakeFirstOrThrow();
    return { depth: Number(row.depth), oldest: row.oldest === null ? null : Number(row.oldest) };
  }

  async countByStatus(db: Executor): Promise<Record<string, number>> {
    const rows = await db
      .selectFrom('webhook_deliveries')
      .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /**
   * `qualify doctor` — per endpoint, deliveries changed since `since` that failed for good or are
   * waiting for a retry after a failed attempt, with the latest error.
   */
  async failingByEndpoint(
    db: Executor,
    since: number,
  ): Promise<Array<{ endpointId: string; failing: number; lastError: string | null }>> {
    const rows = await db
      .selectFrom('webhook_deliveries')
      .select((eb) => [
        'webhook_endpoint_id',
        eb.fn.countAll<number>().as('failing'),
        eb.fn.max('last_error').as('last_error'),
      ])
      .where('updated_at', '>=', since)
      .where((eb) =>
        eb.or([
          eb('status', '=', 'failed'),
          eb.and([eb('status', '=', 'pending'), eb('attempt_count', '>', 0)]),
        ]),
      )
      .groupBy('webhook_endpoint_id')
      .execute();
    return rows.map((r) => ({
      endpointId: r.webhook_endpoint_id,
      failing: Number(r.failing),
      lastError: r.last_error ?? null,
    }));
  }

  async insertAttempts(db: Executor, rows: AttemptRow[]): Promise<void> {
    if (rows.length > 0) await db.insertInto('webhook_attempts').values(rows).execute();
  }

  async attempts(db: Executor, deliveryId: string): Promise<AttemptRow[]> {
    return db
      .selectFrom('webhook_attempts')
      .select(ATTEMPT_COLUMNS)
      .where('webhook_delivery_id', '=', deliveryId)
      .orderBy('attempt_number')
      .orderBy('attempted_at')
      .execute();
  }

  // Issue 12 — the dashboard's and the API's reads of the outbox (appended; the dispatcher's
  // methods above are unchanged).

  /** One page of a filter, newest first. */
  async page(
    db: Executor,
    filter: DeliveryPageFilter,
    limit: number,
    offset: number,
  ): Promise<DeliveryRow[]> {
    return this.pageQuery(db, filter)
      .select(DELIVERY_COLUMNS)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
  }

  async countPage(db: Executor, filter: DeliveryPageFilter): Promise<number> {
    const row = await this.pageQuery(db, filter)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The attempts of several deliveries in one read, by delivery, oldest first. */
  async attemptsOf(db: Executor, deliveryIds: readonly string[]): Promise<AttemptRow[]> {
    if (deliveryIds.length === 0) return [];
    return db
      .selectFrom('webhook_attempts')
      .select(ATTEMPT_COLUMNS)
      .where('webhook_delivery_id', 'in', deliveryIds)
      .orderBy('attempt_number')
      .orderBy('attempted_at')
      .execute();
  }

  /** Attempts at one endpoint since `since`: how many, and how many got a 2xx. */
  async attemptCounts(
    db: Executor,
    endpointId: string,
    since: number,
  ): Promise<{ total: number; ok: number }> {
    const row = await db
      .selectFrom('webhook_attempts')
      .innerJoin('webhook_deliveries', 'webhook_deliveries.id', 'webhook_attempts.webhook_delivery_id')
      .select((eb) => [
        eb.fn.countAll<number>().as('total'),
        eb.fn
          .sum<number | string | null>(
            eb
              .case()
              .when(
                eb.and([
                  eb('webhook_attempts.status_code', '>=', 200),
                  eb('webhook_attempts.status_code', '<', 300),
                ]),
              )
              .then(1)
              .else(0)
              .end(),
          )
          .as('ok'),
      ])
      .where('webhook_deliveries.webhook_endpoint_id', '=', endpointId)
      .where('webhook_attempts.attempted_at', '>=', since)
      .executeTakeFirstOrThrow();
    return { total: Number(row.total), ok: Number(row.ok ?? 0) };
  }

  /** Issue 12 item 5 — deliveries of a channel created in [from, to), by day (epoch days) and status. */
  async dailyByStatus(
    db: Executor,
    channelId: string,
    from: number,
    to: number,
  ): Promise<Array<{ day: number; status: DeliveryStatus; n: number }>> {
    const day = sql<number>`${sql.ref('created_at')} / 86400000`;
    const rows = await db
      .selectFrom('webhook_deliveries')
      .select((eb) => [day.as('day'), 'status', eb.fn.countAll<number>().as('n')])
      .where('sales_channel_id', '=', channelId)
      .where('created_at', '>=', from)
      .where('created_at', '<', to)
      .groupBy([day, 'status'])
      .execute();
    return rows.map((r) => ({ day: Number(r.day), status: r.status, n: Number(r.n) }));
  }

  /**
   * Issue 12 item 5 — time from a delivery's creation to its first attempt, as a histogram per day
   * (bucket `i` holds latencies up to `bounds[i]` ms; the last one the rest).
   */
  async dailyFirstAttemptHistogram(
    db: Executor,
    channelId: string,
    from: number,
    to: number,
    bounds: readonly number[],
  ): Promise<Array<{ day: number; bucket: number; n: number }>> {
    const latency = sql<number>`(${sql.ref('webhook_attempts.attempted_at')} - ${sql.ref('webhook_deliveries.created_at')})`;
    const bucket = sql<number>`CASE ${sql.join(
      bounds.map((bound, i) => sql`WHEN ${latency} <= ${sql.lit(bound)} THEN ${sql.lit(i)}`),
      sql` `,
    )} ELSE ${sql.lit(bounds.length)} END`;
    const day = sql<number>`${sql.ref('webhook_deliveries.created_at')} / 86400000`;
    const rows = await db
      .selectFrom('webhook_deliveries')
      .innerJoin('webhook_attempts', 'webhook_attempts.webhook_delivery_id', 'webhook_deliveries.id')
      .select((eb) => [day.as('day'), bucket.as('bucket'), eb.fn.countAll<number>().as('n')])
      .where('webhook_deliveries.sales_channel_id', '=', channelId)
      .where('webhook_deliveries.created_at', '>=', from)
      .where('webhook_deliveries.created_at', '<', to)
      .where('webhook_attempts.attempt_number', '=', 1)
      .groupBy([day, bucket])
      .execute();
    return rows.map((r) => ({ day: Number(r.day), bucket: Number(r.bucket), n: Number(r.n) }));
  }

  private pageQuery(db: Executor, filter: DeliveryPageFilter) {
    let query = db.selectFrom('webhook_deliveries').where('sales_channel_id', '=', filter.channelId);
    if (filter.endpointId !== undefined) query = query.where('webhook_endpoint_id', '=', filter.endpointId);
    if (filter.sessionId !== undefined) query = query.where('session_id', '=', filter.sessionId);
    if (filter.statuses !== undefined && filter.statuses.length > 0)
      query = query.where('status', 'in', filter.statuses);
    if (filter.eventType !== undefined) query = query.where('event_type', '=', filter.eventType);
    if (filter.createdFrom !== undefined) query = query.where('created_at', '>=', filter.createdFrom);
    if (filter.createdBefore !== undefined) query = query.where('created_at', '<', filter.createdBefore);
    return query;
  }
}

/** Issue 12 — what the delivery log and the session page filter on; always within one channel. */
export interface DeliveryPageFilter {
  channelId: string;
  endpointId?: string;
  sessionId?: string;
  statuses?: DeliveryStatus[];
  eventType?: EventType;
  createdFrom?: number;
  createdBefore?: number;
}
