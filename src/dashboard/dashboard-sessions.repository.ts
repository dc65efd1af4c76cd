import type { DashboardSessionTable } from '../db/schema.dashboard.js';
import type { Executor } from '../db/transaction.js';

export type DashboardSessionRow = DashboardSessionTable;

/** Issue 12 item 1 — signed-in dashboard sessions: the cookie holds a random token, the table its hash. */
export class DashboardSessionsRepository {
  async insert(db: Executor, row: DashboardSessionRow): Promise<void> {
    await db.insertInto('dashboard_sessions').values(row).execute();
  }

  async find(db: Executor, tokenHash: string): Promise<DashboardSessionRow | undefined> {
    return db
      .selectFrom('dashboard_sessions')
      .select([
        'token_hash',
        'user_id',
        'csrf_token',
        'created_at',
        'last_seen_at',
        'ended_at',
        'mfa_passed_at',
      ])
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
  }

  /** The code step passed: the session is fully signed in. */
  async passMfa(db: Executor, tokenHash: string, now: number): Promise<void> {
    await db
      .updateTable('dashboard_sessions')
      .set({ mfa_passed_at: now, last_seen_at: now })
      .where('token_hash', '=', tokenHash)
      .where('ended_at', 'is', null)
      .execute();
  }

  async touch(db: Executor, tokenHash: string, now: number): Promise<void> {
    await db
      .updateTable('dashboard_sessions')
      .set({ last_seen_at: now })
      .where('token_hash', '=', tokenHash)
      .execute();
  }

  async end(db: Executor, tokenHash: string, now: number): Promise<void> {
    await db
      .updateTable('dashboard_sessions')
      .set({ ended_at: now })
      .where('token_hash', '=', tokenHash)
      .where('ended_at', 'is', null)
      .execute();
  }

  /** Every open session of a user ends (a new password was set). */
  async endAllOf(db: Executor, userId: string, now: number): Promise<void> {
    await db
      .updateTable('dashboard_sessions')
      .set({ ended_at: now })
      .where('user_id', '=', userId)
      .where('ended_at', 'is', null)
      .execute();
  }
}
