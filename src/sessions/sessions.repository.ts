import { sql } from 'kysely';
import type { Engine } from '../db/database.js';
import { containsPattern, insertRows, likeEscaped, lockRows } from '../db/dialect.js';
import { precompiled, precompiledQuery } from '../db/precompiled.js';
import type { QualificationSessionTable, SessionTransitionTable } from '../db/schema.js';
import type { Executor } from '../db/transaction.js';
import { DAY_MS } from '../lib/clock.js';
import type { SessionStatus } from './sessions.vocabulary.js';

export type SessionRow = QualificationSessionTable;

/**
 * Derived columns belong to this repository (issue 9 item 1): a writer cannot pass them, so a
 * writer cannot forget them either. `search_text` is recomputed here on every write.
 */
type Derived = { search_text?: never };

/** A session as its writer builds it, without the derived columns. */
export type NewSessionRow = Omit<SessionRow, 'search_text'> & Derived;

/** The fields a writer may change. A status changes only through `transition`, which keeps the counts. */
export type SessionPatch = Partial<
  Omit<SessionRow, 'id' | 'sales_channel_id' | 'created_at' | 'livemode' | 'status' | 'search_text'>
> &
  Derived;

export type TransitionPatch = SessionPatch & { status: SessionStatus };

/** Shards of the session counts (migration 004); fixed per session so its rows never interleave. */
const COUNT_SHARDS = 8;

function countShard(sessionId: string): number {
  return (Number.parseInt(sessionId.slice(-1), 16) || 0) % COUNT_SHARDS;
}

/**
 * What the merchant API presents (`presentSession`): the reads behind retrieve, list and export
 * select these only. The rest (search text, review state) costs a string per column per row.
 */
export const PUBLIC_SESSION_COLUMNS = [
  'id',
  'livemode',
  'status',
  'created_at',
  'updated_at',
  'email',
  'customer_name',
  'user_id',
  'source',
  'skus_param',
  'metadata',
  'success_url',
  'failure_url',
  'order_items',
  'eligible_amount',
  'expires_at',
  'lmn_reviewed_at',
  'rejection_reason',
] as const satisfies readonly (keyof SessionRow)[];

export const SESSION_COLUMNS = [
  ...PUBLIC_SESSION_COLUMNS,
  'sales_channel_id',
  'shopper_state',
  'submitted_at',
  'awaiting_shopper_since',
  'requeued_at',
  'search_text',
] as const satisfies readonly (keyof SessionRow)[];

/** Compiles only while `SESSION_COLUMNS` names every column of a session row (the insert uses it). */
const EVERY_COLUMN: Record<Exclude<keyof SessionRow, (typeof SESSION_COLUMNS)[number]>, never> = {};
void EVERY_COLUMN;

export type PublicSessionRow = Pick<SessionRow, (typeof PUBLIC_SESSION_COLUMNS)[number]>;

/** Issue 11 item 6 — the review work list's filter (one mode, the clinician's states). */
export interface QueueFilter {
  livemode: 0 | 1;
  states: readonly string[];
  /** Submitted at or before this time (the "waiting longer than" filter). */
  submittedBefore?: number;
  /** Part of the session id or the shopper's email (or name). */
  search?: string;
}

export interface SessionFilter {
  channelId: string;
  statuses?: SessionStatus[];
  userId?: string;
  expiresFrom?: number;
  expiresBefore?: number;
  search?: string;
}

export interface QueueState {
  depth: number;
  /** Epoch ms of the oldest waiting item, or null when the queue is empty. */
  oldest: number | null;
}

/** Days since the epoch (UTC) of a time: the rollups' day. */
export function dayOf(ms: number): number {
  return Math.floor(Number(ms) / DAY_MS);
}

/**
 * Upper bounds (seconds) of the create→decision histogram in the daily rollups (`decided:<i>`);
 * the last bucket is open-ended.
 */
export const DECISION_BUCKETS_S = [
  60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 43_200, 86_400, 172_800, 259_200, 432_000, 604_800,
  1_209_600, 2_592_000,
] as const;

export function decisionBucket(ms: number): number {
  const seconds = ms / 1000;
  const index = DECISION_BUCKETS_S.findIndex((bound) => seconds <= bound);
  return index === -1 ? DECISION_BUCKETS_S.length : index;
}

/** What a status change does to the daily rollups: the creation day's status moves; a decision is counted on its day. */
function dailyDeltas(
  current: SessionRow,
  from: SessionStatus,
  patch: TransitionPatch,
): Array<readonly [string, number, number?]> {
  const deltas: Array<readonly [string, number, number?]> = [
    [`status:${from}`, -1],
    [`status:${patch.status}`, 1],
  ];
  if (patch.status === 'approved' || patch.status === 'rejected') {
    const at = patch.updated_at ?? Date.now();
    deltas.push([`decided:${decisionBucket(at - Number(current.created_at))}`, 1, dayOf(at)]);
  }
  return deltas;
}

/** Lower-cased email, customer_name, user_id, source and id: what the list `search` filter reads. */
function searchText(row: Pick<SessionRow, 'id' | 'email' | 'customer_name' | 'user_id' | 'source'>): string {
  return [row.id, row.email, row.customer_name, row.user_id, row.source]
    .filter((v) => v !== null)
    .join('\n')
    .toLowerCase();
}

function withDerived(row: Omit<SessionRow, 'search_text'>): SessionRow {
  return { ...row, search_text: searchText(row) };
}

/**
 * SQL of `qualification_sessions` and of the tables derived from it: `session_transitions` (the
 * history) and `session_counts` (the list totals, migration 004).
 */
export class SessionsRepository {
  /** Every column, in `SESSION_COLUMNS` order (all of them, `EVERY_COLUMN`): compiled once. */
  private readonly insertRow = precompiledQuery<unknown, unknown[]>((db, arg) =>
    db
      .insertInto('qualification_sessions')
      .values(
        Object.fromEntries(SESSION_COLUMNS.map((column, i) => [column, arg(i)])) as unknown as SessionRow,
      ),
  );

  async insert(db: Executor, session: NewSessionRow): Promise<SessionRow> {
    const row = withDerived(session);
    await this.insertRow(db, ...SESSION_COLUMNS.map((column) => row[column]));
    await this.addToCount(db, row.sales_channel_id, row.status, countShard(row.id), 1);
    await this.addToDaily(db, row, [[`status:${row.status}`, 1]]);
    return row;
  }

  /**
   * The typed bulk path (the benchmark's seeding): the rows with their derived columns in bulk
   * (`insertRows`), then the counts added once per (channel, status, shard). Run it inside a
   * transaction: the rows and their counts go in together.
   */
  async insertMany(db: Executor, engine: Engine, sessions: readonly NewSessionRow[]): Promise<void> {
    await insertRows(db, engine, 'qualification_sessions', sessions.map(withDerived));
    const deltas = new Map<string, { channelId: string; status: SessionStatus; shard: number; n: number }>();
    for (const session of sessions) {
      const shard = countShard(session.id);
      const key = `${session.sales_channel_id}\n${session.status}\n${shard}`;
      const delta = deltas.get(key);
      if (delta) delta.n += 1;
      else deltas.set(key, { channelId: session.sales_channel_id, status: session.status, shard, n: 1 });
    }
    for (const { channelId, status, shard, n } of deltas.values())
      await this.addToCount(db, channelId, status, shard, n);
    const daily = new Map<string, { channelId: string; day: number; metric: string; n: number }>();
    for (const session of sessions) {
      const day = dayOf(session.created_at);
      const key = `${session.sales_channel_id}\n${day}\n${session.status}`;
      const entry = daily.get(key);
      if (entry) entry.n += 1;
      else
        daily.set(key, {
          channelId: session.sales_channel_id,
          day,
          metric: `status:${session.status}`,
          n: 1,
        });
    }
    for (const { channelId, day, metric, n } of daily.values())
      await this.addToDailyRow(db, channelId, day, metric, 0, n);
  }

  async find(db: Executor, id: string): Promise<SessionRow | undefined> {
    return db
      .selectFrom('qualification_sessions')
      .select(SESSION_COLUMNS)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** The hot read of retrieve and update: compiled once (see `precompiled`). */
  findInChannel = precompiled<PublicSessionRow, [channelId: string, id: string]>((db, arg) =>
    db
      .selectFrom('qualification_sessions')
      .select(PUBLIC_SESSION_COLUMNS)
      .where('id', '=', arg(1))
      .where('sales_channel_id', '=', arg(0)),
  );

  /** Whether the channel has the session: an index lookup, for checks that need no columns. */
  idInChannel = precompiled<Pick<SessionRow, 'id'>, [channelId: string, id: string]>((db, arg) =>
    db
      .selectFrom('qualification_sessions')
      .select('id')
      .where('id', '=', arg(1))
      .where('sales_channel_id', '=', arg(0)),
  );

  /** Reads the row and, on PostgreSQL, locks it until the transaction ends. */
  async findForUpdate(db: Executor, engine: Engine, id: string): Promise<SessionRow | undefined> {
    return lockRows(
      engine,
      db.selectFrom('qualification_sessions').select(SESSION_COLUMNS).where('id', '=', id),
    ).executeTakeFirst();
  }

  /**
   * Applies `patch` to `current` — the row as read under the caller's lock (`findForUpdate` in the
   * same transaction) — and returns the row as now stored, derived columns included.
   */
  async update(db: Executor, current: SessionRow, patch: SessionPatch): Promise<SessionRow> {
    const row = withDerived({ ...current, ...patch });
    await db
      .updateTable('qualification_sessions')
      .set({ ...patch, search_text: row.search_text })
      .where('id', '=', current.id)
      .execute();
    return row;
  }

  /**
   * Compare-and-set on status: the update applies only if the row is still in `from`. Returns the
   * updated row, or undefined when another transition got there first. `current` is the row as
   * read under the caller's lock; the counts move with the status.
   */
  async transition(
    db: Executor,
    current: SessionRow,
    from: SessionStatus,
    patch: TransitionPatch,
  ): Promise<SessionRow | undefined> {
    const { search_text } = withDerived({ ...current, ...patch });
    const updated = await db
      .updateTable('qualification_sessions')
      .set({ ...patch, search_text })
      .where('id', '=', current.id)
      .where('status', '=', from)
      .returning(SESSION_COLUMNS)
      .executeTakeFirst();
    if (updated && from !== patch.status) {
      // Status-machine order (from before to) is also the lock order: no deadlock on PostgreSQL.
      const shard = countShard(current.id);
      await this.addToCount(db, updated.sales_channel_id, from, shard, -1);
      await this.addToCount(db, updated.sales_channel_id, patch.status, shard, 1);
      await this.addToDaily(db, current, dailyDeltas(current, from, patch));
    }
    return updated;
  }

  private readonly addToCount = precompiledQuery<
    unknown,
    [channelId: string, status: SessionStatus, shard: number, delta: number]
  >((db, arg) =>
    db
      .insertInto('session_counts')
      .values({ sales_channel_id: arg(0), status: arg(1), shard: arg(2), n: arg(3) })
      .onConflict((oc) =>
        oc
          .columns(['sales_channel_id', 'status', 'shard'])
          .doUpdateSet((eb) => ({ n: eb(eb.ref('session_counts.n'), '+', eb.ref('excluded.n')) })),
      ),
  );

  /** Issue 12 item 5 — the session's daily rollups move with it, in the caller's transaction. */
  private async addToDaily(
    db: Executor,
    session: Pick<SessionRow, 'id' | 'sales_channel_id' | 'created_at'>,
    deltas: ReadonlyArray<readonly [metric: string, delta: number, day?: number]>,
  ): Promise<void> {
    const shard = countShard(session.id);
    for (const [metric, delta, day] of deltas)
      await this.addToDailyRow(
        db,
        session.sales_channel_id,
        day ?? dayOf(session.created_at),
        metric,
        shard,
        delta,
      );
  }

  private readonly addToDailyRow = precompiledQuery<
    unknown,
    [channelId: string, day: number, metric: string, shard: number, delta: number]
  >((db, arg) =>
    db
      .insertInto('session_daily_counts')
      .values({ sales_channel_id: arg(0), day: arg(1), metric: arg(2), shard: arg(3), n: arg(4) })
      .onConflict((oc) =>
        oc
          .columns(['sales_channel_id', 'day', 'metric', 'shard'])
          .doUpdateSet((eb) => ({ n: eb(eb.ref('session_daily_counts.n'), '+', eb.ref('excluded.n')) })),
      ),
  );

  /** The daily rollups of one channel for days `fromDay` to `toDay` (inclusive), summed over shards. */
  async dailyCounts(
    db: Executor,
    channelId: string,
    fromDay: number,
    toDay: number,
  ): Promise<Array<{ day: number; metric: string; n: number }>> {
    const rows = await db
      .selectFrom('session_daily_counts')
      .select((eb) => ['day', 'metric', eb.fn.sum<number | string>('n').as('n')])
      .where('sales_channel_id', '=', channelId)
      .where('day', '>=', fromDay)
      .where('day', '<=', toDay)
      .groupBy(['day', 'metric'])
      .execute();
    return rows.map((r) => ({ day: Number(r.day), metric: r.metric, n: Number(r.n) }));
  }

  /** A session's transitions, oldest first (its page's timeline). */
  async transitions(db: Executor, sessionId: string): Promise<SessionTransitionTable[]> {
    return db
      .selectFrom('session_transitions')
      .select(['id', 'session_id', 'from_status', 'to_status', 'actor', 'actor_id', 'created_at'])
      .where('session_id', '=', sessionId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  /**
   * Every row of a filter, newest first, `batch` at a time (keyset paging on created_at, id): the
   * CSV export streams these without a row cap and without OFFSET.
   */
  async *stream(db: Executor, filter: SessionFilter, batch = 500): AsyncGenerator<PublicSessionRow[]> {
    let after: { created_at: number; id: string } | undefined;
    for (;;) {
      let query = this.filtered(db, filter).select(PUBLIC_SESSION_COLUMNS);
      if (after) {
        const { created_at, id } = after;
        query = query.where((eb) =>
          eb.or([
            eb('created_at', '<', created_at),
            eb.and([eb('created_at', '=', created_at), eb('id', '<', id)]),
          ]),
        );
      }
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(batch).execute();
      if (rows.length === 0) return;
      yield rows;
      if (rows.length < batch) return;
      const last = rows[rows.length - 1]!;
      after = { created_at: Number(last.created_at), id: last.id };
    }
  }

  async insertTransition(db: Executor, row: SessionTransitionTable): Promise<void> {
    await db.insertInto('session_transitions').values(row).execute();
  }

  /**
   * One page, newest first. Past the first page the offset is walked in the index alone (a
   * "deferred join"): only the ids of the page are picked there, and only those rows are read in
   * full; selecting every column with OFFSET would read each skipped row from the table. The
   * first page skips nothing, so it reads its rows at once (no id list, no second sort).
   */
  async list(
    db: Executor,
    filter: SessionFilter,
    limit: number,
    offset: number,
  ): Promise<PublicSessionRow[]> {
    const newestFirst = <Q extends { orderBy(column: 'created_at' | 'id', order: 'desc'): Q }>(query: Q) =>
      query.orderBy('created_at', 'desc').orderBy('id', 'desc');
    if (offset === 0)
      return newestFirst(this.filtered(db, filter).select(PUBLIC_SESSION_COLUMNS)).limit(limit).execute();
    const page = newestFirst(this.filtered(db, filter).select('id')).limit(limit).offset(offset);
    return newestFirst(
      db.selectFrom('qualification_sessions').select(PUBLIC_SESSION_COLUMNS).where('id', 'in', page),
    ).execute();
  }

  /**
   * SPEC §1.6 — the exact total. Filtered by channel and status only (the common case), it is a
   * sum over the maintained counts (at most 4 × 8 rows) instead of a scan of every matching row.
   */
  async count(db: Executor, filter: SessionFilter): Promise<number> {
    if (filter.userId === undefined && filter.expiresFrom === undefined && !filter.search) {
      let query = db
        .selectFrom('session_counts')
        .select((eb) => eb.fn.sum<number | string | null>('n').as('n'))
        .where('sales_channel_id', '=', filter.channelId);
      if (filter.statuses && filter.statuses.length > 0) query = query.where('status', 'in', filter.statuses);
      const sum = await query.executeTakeFirstOrThrow();
      return Number(sum.n ?? 0);
    }
    const row = await this.filtered(db, filter)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * SPEC §2.3, issue 11 items 4–6 — one page of the review work list: `processing` sessions of one
   * mode (live or sandbox) in the given states, not waiting for the shopper's answer; a session
   * whose shopper answered a question first, then the oldest submission.
   */
  async reviewQueue(db: Executor, filter: QueueFilter, limit: number, offset: number): Promise<SessionRow[]> {
    if (filter.states.length === 0) return [];
    return this.queueFiltered(db, filter)
      .select(SESSION_COLUMNS)
      .orderBy(sql`CASE WHEN requeued_at IS NULL THEN 1 ELSE 0 END`)
      .orderBy('requeued_at', 'asc')
      .orderBy('submitted_at', 'asc')
      .orderBy('id', 'asc')
      .limit(limit)
      .offset(offset)
      .execute();
  }

  /** How many sessions the work list's filter matches, and the oldest submission among them. */
  async reviewQueueSummary(db: Executor, filter: QueueFilter): Promise<QueueState> {
    if (filter.states.length === 0) return { depth: 0, oldest: null };
    const row = await this.queueFiltered(db, filter)
      .select((eb) => [eb.fn.countAll<number>().as('depth'), eb.fn.min('submitted_at').as('oldest')])
      .executeTakeFirstOrThrow();
    return { depth: Number(row.depth), oldest: row.oldest === null ? null : Number(row.oldest) };
  }

  async findMany(db: Executor, ids: readonly string[]): Promise<SessionRow[]> {
    if (ids.length === 0) return [];
    return db.selectFrom('qualification_sessions').select(SESSION_COLUMNS).where('id', 'in', ids).execute();
  }

  /**
   * SPEC §4.4, issue 11 item 6 — what clinicians can see waiting, for the metrics: live sessions
   * in review, not those waiting for the shopper's answer (index `sessions_review_queue`).
   */
  async reviewQueueState(db: Executor): Promise<QueueState> {
    const row = await db
      .selectFrom('qualification_sessions')
      .select((eb) => [eb.fn.countAll<number>().as('depth'), eb.fn.min('submitted_at').as('oldest')])
      .where('status', '=', 'processing')
      .where('livemode', '=', 1)
      .where('awaiting_shopper_since', 'is', null)
      .executeTakeFirstOrThrow();
    return { depth: Number(row.depth), oldest: row.oldest === null ? null : Number(row.oldest) };
  }

  private queueFiltered(db: Executor, filter: QueueFilter) {
    let query = db
      .selectFrom('qualification_sessions')
      .where('status', '=', 'processing')
      .where('livemode', '=', filter.livemode)
      .where('shopper_state', 'in', filter.states)
      .where('awaiting_shopper_since', 'is', null);
    if (filter.submittedBefore !== undefined)
      query = query.where('submitted_at', '<=', filter.submittedBefore);
    if (filter.search !== undefined && filter.search !== '')
      query = query.where(likeEscaped('search_text', containsPattern(filter.search)));
    return query;
  }

  private filtered(db: Executor, filter: SessionFilter) {
    let query = db.selectFrom('qualification_sessions').where('sales_channel_id', '=', filter.channelId);
    if (filter.statuses && filter.statuses.length > 0) query = query.where('status', 'in', filter.statuses);
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    if (filter.expiresFrom !== undefined) query = query.where('expires_at', '>=', filter.expiresFrom);
    if (filter.expiresBefore !== undefined) query = query.where('expires_at', '<', filter.expiresBefore);
    if (filter.search !== undefined && filter.search !== '') {
      query = query.where(likeEscaped('search_text', containsPattern(filter.search)));
    }
    return query;
  }
}
