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

  /** Issue 12 item 6 — a session's events in its channel, oldest first, one page. */
  async listForSession(
    db: Executor,
    channelId: string,
    sessionId: string,
    limit: number,
    offset: number,
  ): Promise<EventRow[]> {
    return db
      .selectFrom('events')
      .select(['id', 'sales_channel_id', 'type', 'session_id', 'data', 'created_at'])
      .where('session_id', '=', sessionId)
      .where('sales_channel_id', '=', channelId)
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .offset(offset)
      .execute();
  }

  async countForSession(db: Executor, channelId: string, sessionId: string): Promise<number> {
    const row = await db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('session_id', '=', sessionId)
      .where('sales_channel_id', '=', channelId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
