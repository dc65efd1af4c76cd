import { sql } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Executor } from '../db/transaction.js';

export interface SealedValue {
  row_key: string;
  sealed: string;
}

/**
 * Issue 13 item 2 — one column of AES-256-GCM envelopes (`src/phi/phi.cipher.ts`), as secret
 * rotation and the start-up key check see it. Each owning repository declares its columns with
 * `sealedColumn(...)`; `sealed-columns.ts` lists them all.
 */
export interface SealedColumn {
  /** `table.column`; with `:<row key>` it is each value's additional authenticated data. */
  readonly name: string;
  context(rowKey: string): string;
  /** Up to `limit` values not sealed under `currentKeyId`, in row-key order after `after`. */
  page(db: Executor, currentKeyId: string, after: string | null, limit: number): Promise<SealedValue[]>;
  /** Compare-and-set: writes `to` only while the value is still `from` (a concurrent write wins). */
  replace(db: Executor, rowKey: string, from: string, to: string): Promise<boolean>;
  /** Any one value (the key check of a database that predates it). */
  sample(db: Executor): Promise<string | undefined>;
}

type ColumnOf<T extends keyof DB> = keyof DB[T] & string;

/** The sealed column `column` of `table`, whose rows are named by the text primary key `rowKey`. */
export function sealedColumn<T extends keyof DB & string>(
  table: T,
  rowKey: ColumnOf<T>,
  column: ColumnOf<T>,
): SealedColumn {
  const name = `${table}.${column}`;
  const key = sql.ref(rowKey);
  const value = sql.ref(column);
  return {
    name,
    context: (row) => `${name}:${row}`,
    async page(db, currentKeyId, after, limit) {
      const current = `v1:${currentKeyId}:%`;
      const result = await sql<SealedValue>`SELECT ${key} AS row_key, ${value} AS sealed
        FROM ${sql.table(table)}
        WHERE ${value} IS NOT NULL AND ${value} NOT LIKE ${current}
        ${after === null ? sql`` : sql`AND ${key} > ${after}`}
        ORDER BY ${key} LIMIT ${limit}`.execute(db);
      return result.rows;
    },
    async replace(db, row, from, to) {
      const result = await sql`UPDATE ${sql.table(table)} SET ${value} = ${to}
        WHERE ${key} = ${row} AND ${value} = ${from}`.execute(db);
      return Number(result.numAffectedRows ?? 0) === 1;
    },
    async sample(db) {
      const result = await sql<SealedValue>`SELECT ${value} AS sealed FROM ${sql.table(table)}
        WHERE ${value} IS NOT NULL LIMIT 1`.execute(db);
      return result.rows[0]?.sealed;
    },
  };
}
