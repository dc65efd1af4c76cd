import type { Engine } from '../db/database.js';
import { skipLocked } from '../db/dialect.js';
import type { WebhookAttemptTable, WebhookDeliveryTable } from '../db/schema.js';
import type { Executor } from '../db/transaction.js';
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

/** SQL for the delivery outbox and its attempts (SPEC §3.4). */
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
   * ones whose time has come, and delivering ones whose lease expired (their instance died). On
   * PostgreSQL the inner select is `FOR UPDATE SKIP LOCKED`, so instances never claim the same row
   * (a row another claim updated meanwhile is re-checked and no longer matches); SQLite has a
   * single writer, so the statement is exclusive on its own.
   */
  async claimDue(
    db: Executor,
    engine: Engine,
    now: number,
    limit: number,
    owner: string,
    leaseUntil: number,
  ): Promise<DeliveryRow[]> {
    const due = skipLocked(
      engine,
      db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
            eb.and([eb('status', '=', 'delivering'), eb('lease_expires_at', '<=', now)]),
          ]),
        )
        .orderBy('next_attempt_at')
        .limit(limit),
    );
    return db
      .updateTable('webhook_deliveries')
      .set({ status: 'delivering', lease_owner: owner, lease_expires_at: leaseUntil, updated_at: now })
      .where('id', 'in', due)
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

  /** Earliest time something may become claimable: a pending delivery's turn or a lease's end. */
  async nextDueAt(db: Executor): Promise<number | null> {
    const pending = await db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.min<number>('next_attempt_at').as('at'))
      .where('status', '=', 'pending')
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
      .select([
        'id',
        'webhook_delivery_id',
        'attempt_number',
        'attempted_at',
        'status_code',
        'error',
        'duration_ms',
        'response_body',
        'instance_id',
      ])
      .where('webhook_delivery_id', '=', deliveryId)
      .orderBy('attempt_number')
      .orderBy('attempted_at')
      .execute();
  }
}
