import type { ConsoleSessionTable } from '../db/schema.review.js';
import type { Executor } from '../db/transaction.js';

export type ConsoleSessionRow = ConsoleSessionTable;

export class ConsoleSessionsRepository {
  async insert(db: Executor, row: ConsoleSessionRow): Promise<void> {
    await db.insertInto('console_sessions').values(row).execute();
  }

  async find(db: Executor, tokenHash: string): Promise<ConsoleSessionRow | undefined> {
    return db
      .selectFrom('console_sessions')
      .select([
        'token_hash',
        'clinician_id',
        'csrf_token',
        'created_at',
        'last_seen_at',
        'ended_at',
        'mfa_passed_at',
      ])
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  async touch(db: Executor, tokenHash: string, now: number): Promise<void> {
    await db
      .updateTable('console_sessions')
      .set({ last_seen_at: now })
      .where('token_hash', '=', tokenHash)
      .execute();
  }

  /** Issue 11 item 1 — every open session of a clinician ends at once (disabled, password reset). */
  async endAllFor(db: Executor, clinicianId: string, now: number): Promise<number> {
    const result = await db
      .updateTable('console_sessions')
      .set({ ended_at: now })
      .where('clinician_id', '=', clinicianId)
      .where('ended_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async passMfa(db: Executor, tokenHash: string, now: number): Promise<void> {
    await db
      .updateTable('console_sessions')
      .set({ mfa_passed_at: now })
      .where('token_hash', '=', tokenHash)
      .execute();
  }

  async end(db: Executor, tokenHash: string, now: number): Promise<void> {
    await db
      .updateTable('console_sessions')
      .set({ ended_at: now })
      .where('token_hash', '=', tokenHash)
      .where('ended_at', 'is', null)
      .execute();
  }
}
