import type { EventTable } from '../db/schema.js';
import type { Executor } from '../db/transaction.js';

export type EventRow = EventTable;

/** SQL of `events`, the outbox's event rows (SPEC §3.4); their deliveries are the deliveries repository's. */
export class EventsRepository {
  async insert(db: Executor, row: EventRow): Promise<void> {
    await db.insertInto('events').values(row).execute();
  }

  /** What sending needs of each event: its type, payload and time, in one read for a batch. */
  async findMany(
    db: Executor,
    ids: readonly string[],
  ): Promise<Pick<EventRow, 'id' | 'type' | 'data' | 'created_at'>[]> {
    if (ids.length === 0) return [];
    return db
      .selectFrom('events')
      .select(['id', 'type', 'data', 'created_at'])
      .where('id', 'in', ids)
      .execute();
  }
}
