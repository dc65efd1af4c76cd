import type { Executor } from '../db/transaction.js';

export interface QueueState {
  depth: number;
  /** Epoch ms of the oldest waiting item, or null when the queue is empty. */
  oldest: number | null;
}

/** Read-only aggregates for the metrics gauges; each is served by an index. */
export class MetricsRepository {
  /** SPEC §2.3 — sessions waiting for review (index `sessions_review_queue`). */
  async reviewQueue(db: Executor): Promise<QueueState> {
    const row = await db
      .selectFrom('qualification_sessions')
      .select((eb) => [eb.fn.countAll<number>().as('depth'), eb.fn.min('submitted_at').as('oldest')])
      .where('status', '=', 'processing')
      .executeTakeFirstOrThrow();
    return { depth: Number(row.depth), oldest: row.oldest === null ? null : Number(row.oldest) };
  }

  /** SPEC §3.4 — deliveries not yet delivered nor given up: waiting, or being sent (index `webhook_deliveries_due`). */
  async webhookQueue(db: Executor): Promise<QueueState> {
    const row = await db
      .selectFrom('webhook_deliveries')
      .select((eb) => [eb.fn.countAll<number>().as('depth'), eb.fn.min('created_at').as('oldest')])
      .where('status', 'in', ['pending', 'delivering'])
      .executeTakeFirstOrThrow();
    return { depth: Number(row.depth), oldest: row.oldest === null ? null : Number(row.oldest) };
  }
}
