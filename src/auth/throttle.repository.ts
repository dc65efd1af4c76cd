import type { Engine } from '../db/database.js';
import { lockRows } from '../db/dialect.js';
import type { AuthThrottleTable } from '../db/schema.auth.js';
import type { Executor } from '../db/transaction.js';
import type { PrincipalKind } from './auth.vocabulary.js';

export type ThrottleRow = AuthThrottleTable;

/** SQL of `auth_throttle`: failed sign-ins counted per subject (an account, an address, an unknown name). */
export class ThrottleRepository {
  async lockedUntil(db: Executor, kind: PrincipalKind, subjects: readonly string[]): Promise<number | null> {
    if (subjects.length === 0) return null;
    const row = await db
      .selectFrom('auth_throttle')
      .select((eb) => eb.fn.max('locked_until').as('until'))
      .where('principal_kind', '=', kind)
      .where('subject', 'in', subjects)
      .executeTakeFirst();
    return row?.until === null || row?.until === undefined ? null : Number(row.until);
  }

  /** The row, created empty if absent, and locked on PostgreSQL until the transaction ends. */
  async lockRow(db: Executor, engine: Engine, kind: PrincipalKind, subject: string, now: number) {
    await db
      .insertInto('auth_throttle')
      .values({ principal_kind: kind, subject, window_start: now, failures: 0, locked_until: null })
      .onConflict((oc) => oc.columns(['principal_kind', 'subject']).doNothing())
      .execute();
    return lockRows(
      engine,
      db
        .selectFrom('auth_throttle')
        .select(['principal_kind', 'subject', 'window_start', 'failures', 'locked_until'])
        .where('principal_kind', '=', kind)
        .where('subject', '=', subject),
    ).executeTakeFirstOrThrow();
  }

  async save(
    db: Executor,
    row: Pick<ThrottleRow, 'principal_kind' | 'subject' | 'window_start' | 'failures' | 'locked_until'>,
  ): Promise<void> {
    await db
      .updateTable('auth_throttle')
      .set({ window_start: row.window_start, failures: row.failures, locked_until: row.locked_until })
      .where('principal_kind', '=', row.principal_kind)
      .where('subject', '=', row.subject)
      .execute();
  }

  async clear(db: Executor, kind: PrincipalKind, subject: string): Promise<void> {
    await db
      .deleteFrom('auth_throttle')
      .where('principal_kind', '=', kind)
      .where('subject', '=', subject)
      .execute();
  }
}
