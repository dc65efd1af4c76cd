import type SQLite from 'better-sqlite3';
import type { KeyCheckTable } from '../db/schema.js';
import type { Executor } from '../db/transaction.js';

export type KeyCheckRow = KeyCheckTable;

/** The one row of `key_checks` (id `service`): the check value of the secret the data is sealed under. */
export const KEY_CHECK_ID = 'service';

/** Issue 13 item 2 — SQL of the key check. */
export class KeyCheckRepository {
  async find(db: Executor): Promise<KeyCheckRow | undefined> {
    return db
      .selectFrom('key_checks')
      .select(['id', 'check_value', 'created_at', 'updated_at'])
      .where('id', '=', KEY_CHECK_ID)
      .executeTakeFirst();
  }

  /** The first instance to start on a database records its secret; the others find it there. */
  async insertIfAbsent(db: Executor, checkValue: string, now: number): Promise<void> {
    await db
      .insertInto('key_checks')
      .values({ id: KEY_CHECK_ID, check_value: checkValue, created_at: now, updated_at: now })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  /** Compare-and-set, once a rotation has re-sealed everything under the new secret. */
  async replace(db: Executor, from: string, to: string, now: number): Promise<boolean> {
    const result = await db
      .updateTable('key_checks')
      .set({ check_value: to, updated_at: now })
      .where('id', '=', KEY_CHECK_ID)
      .where('check_value', '=', from)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** The check value inside a SQLite backup file (issue 13 item 8), read without Kysely; undefined when it has none. */
  checkValueInFile(file: SQLite.Database): string | undefined {
    const table = file
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'key_checks'")
      .get();
    if (table === undefined) return undefined;
    const row = file.prepare('SELECT check_value FROM key_checks WHERE id = ?').get(KEY_CHECK_ID) as
      | { check_value: string }
      | undefined;
    return row?.check_value;
  }
}
