import { sql } from 'kysely';
import type { EventTable } from '../db/schema.js';
import type { Executor } from '../db/transaction.js';

export type EventRow = EventTable;
/** What a writer gives; `sequence` is derived here. */
export type NewEventRow = Omit<EventRow, 'sequence'>;

/** SQL of `events`, the outbox's event rows (SPEC §3.4); their deliveries are the deliveries repository's. */
export class EventsRepository {
  /**
   * Inserts the event numbered after its session's last one (issue 14 item 3: `sequence`, from 1;
   * null without a session), in one statement; returns the number. Writers of one session are
   * serialised by its status transition (a compare-and-set on the session row), and the unique
   * index `events_session_sequence` stops any two from sharing a number.
   */
  async insert(db: Executor, row: NewEventRow): Promise<number | null> {
    const inserted = await db
      .insertInto('events')
      .values({
        ...row,
        sequence:
          row.session_id === null
            ? null
            : (eb) =>
                eb
                  .selectFrom('events')
                  .select(sql<number>`coalesce(max(sequence), 0) + 1`.as('next'))
                  .where('session_id', '=', row.session_id),
      })
      .returning('sequence')
      .executeTakeFirstOrThrow();
    return inserted.sequence === null ? null : Number(inserted.sequence);
  }

  /** What sending needs of each event: its type, payload, time and place in its session, in one read for a batch. */
  async findMany(
    db: Executor,
    ids: readonly string[],
  ): Promise<Pick<EventRow, 'id' | 'type' | 'data' | 'created_at' | 'sequence'>[]> {
    if (ids.length === 0) return [];
    return db
      .selectFrom('events')
      .select(['id', 'type', 'data', 'created_at', 'sequence'])
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
      .select(['id', 'sales_channel_id', 'type', 'session_id', 'data', 'created_at', 'sequence'])
      .where('session_id', '=', sessionId)
      .where('sales_channel_id', '=', channelId)
      .orderBy('sequence')
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
