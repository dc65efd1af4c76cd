import type { Engine } from '../db/database.js';
import { skipLocked } from '../db/dialect.js';
import type { MailOutboxTable } from '../db/schema.review.js';
import type { Executor } from '../db/transaction.js';

export type MailRow = MailOutboxTable;

const COLUMNS = [
  'id',
  'dedupe_key',
  'kind',
  'session_id',
  'recipient',
  'status',
  'attempts',
  'next_attempt_at',
  'lease_until',
  'last_error',
  'created_at',
  'sent_at',
] as const satisfies readonly (keyof MailRow)[];

/** SQL of `mail_outbox` (issue 10 item 2): enqueue in the caller's transaction, claim with a lease. */
export class MailOutboxRepository {
  /** False when a message for this event is already queued (or sent): never two for one event. */
  async insertOnce(db: Executor, row: MailRow): Promise<boolean> {
    const result = await db
      .insertInto('mail_outbox')
      .values(row)
      .onConflict((oc) => oc.column('dedupe_key').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async find(db: Executor, id: string): Promise<MailRow | undefined> {
    return db.selectFrom('mail_outbox').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  }

  async listForSession(db: Executor, sessionId: string): Promise<MailRow[]> {
    return db
      .selectFrom('mail_outbox')
      .select(COLUMNS)
      .where('session_id', '=', sessionId)
      .orderBy('created_at', 'asc')
      .execute();
  }

  /**
   * Claims up to `limit` due messages until `leaseUntil`: pending ones whose time has come, and
   * `sending` ones whose lease expired (their instance died mid-send). PostgreSQL skips rows
   * another instance has locked; SQLite has one writer.
   */
  async claimDue(
    db: Executor,
    engine: Engine,
    now: number,
    limit: number,
    leaseUntil: number,
  ): Promise<MailRow[]> {
    const due = skipLocked(
      engine,
      db
        .selectFrom('mail_outbox')
        .select('id')
        .where((eb) =>
          eb.or([
            eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
            eb.and([eb('status', '=', 'sending'), eb('lease_until', '<', now)]),
          ]),
        )
        .orderBy('next_attempt_at', 'asc')
        .limit(limit),
    );
    const ids = (await due.execute()).map((r) => r.id);
    if (ids.length === 0) return [];
    await db
      .updateTable('mail_outbox')
      .set((eb) => ({ status: 'sending', lease_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', ids)
      .execute();
    return db.selectFrom('mail_outbox').select(COLUMNS).where('id', 'in', ids).execute();
  }

  async markSent(db: Executor, id: string, now: number): Promise<void> {
    await db
      .updateTable('mail_outbox')
      .set({ status: 'sent', sent_at: now, lease_until: null, last_error: null })
      .where('id', '=', id)
      .execute();
  }

  async retryLater(db: Executor, id: string, at: number, error: string): Promise<void> {
    await db
      .updateTable('mail_outbox')
      .set({ status: 'pending', next_attempt_at: at, lease_until: null, last_error: error.slice(0, 500) })
      .where('id', '=', id)
      .execute();
  }
}
