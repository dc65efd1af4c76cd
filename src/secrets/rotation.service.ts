import type { Database } from '../db/database.js';
import { transact } from '../db/transaction.js';
import type { PhiCipher } from '../phi/phi.cipher.js';
import type { SealedColumn } from '../phi/sealed-column.repository.js';
import { SEALED_COLUMNS } from '../phi/sealed-columns.js';

export interface ColumnRotation {
  column: string;
  /** Values re-sealed under the current key. */
  resealed: number;
  /** Values another writer changed between the read and the write (left to their writer). */
  changedMeanwhile: number;
}

export interface RotationReport {
  columns: ColumnRotation[];
  passes: number;
  /** `table.column:row` of values no configured secret opens (at most 20 named). */
  unreadable: string[];
  /** Values still sealed under a previous key after the last pass. */
  remaining: number;
  /** True when every value is sealed under the current key. */
  complete: boolean;
}

export interface RotationOptions {
  batchSize: number;
  /** Passes over every column before giving up on values that keep being rewritten under an old key. */
  maxPasses?: number;
  columns?: readonly SealedColumn[];
  onBatch?: (column: string, progress: ColumnRotation) => void;
}

/**
 * Issue 13 item 2 — `qualify secret rotate`: re-seals every value of every sealed column under the
 * current key, a batch at a time, while servers keep serving. Each row is written with a
 * compare-and-set (only while it still holds what was read), so a concurrent write is never
 * overwritten; a row whose value changed is looked at again in the next pass. Nothing is kept
 * between runs: the next run finds whatever is not yet under the current key, so it is resumable.
 */
export async function rotateSecrets(
  database: Database,
  cipher: PhiCipher,
  options: RotationOptions,
): Promise<RotationReport> {
  const columns = options.columns ?? SEALED_COLUMNS;
  const maxPasses = options.maxPasses ?? 3;
  const totals = new Map(columns.map((c) => [c.name, { column: c.name, resealed: 0, changedMeanwhile: 0 }]));
  const unreadable = new Set<string>();
  let passes = 0;
  let pending = 0;
  do {
    passes++;
    pending = 0;
    for (const column of columns) {
      const progress = totals.get(column.name)!;
      pending += await rotateColumn(database, cipher, column, options, progress, unreadable);
    }
  } while (pending > 0 && passes < maxPasses);
  const remaining = pending > 0 ? await countRemaining(database, cipher, columns) : 0;
  return {
    columns: [...totals.values()],
    passes,
    unreadable: [...unreadable].slice(0, 20),
    remaining,
    complete: remaining === 0 && unreadable.size === 0,
  };
}

/** One pass over one column; returns how many values it could not re-seal (changed meanwhile). */
async function rotateColumn(
  database: Database,
  cipher: PhiCipher,
  column: SealedColumn,
  options: RotationOptions,
  progress: ColumnRotation,
  unreadable: Set<string>,
): Promise<number> {
  let after: string | null = null;
  let lost = 0;
  for (;;) {
    const rows = await column.page(database.db, cipher.keyId, after, options.batchSize);
    if (rows.length === 0) return lost;
    after = rows.at(-1)!.row_key;
    // Crypto outside the transaction: the write lock is held only for the compare-and-set updates.
    const resealed = rows.flatMap((row) => {
      try {
        return [{ row, value: cipher.reseal(row.sealed, column.context(row.row_key)) }];
      } catch {
        unreadable.add(`${column.name}:${row.row_key}`);
        return [];
      }
    });
    const written = await transact(database, async (tx) => {
      let count = 0;
      for (const { row, value } of resealed)
        if (await column.replace(tx.db, row.row_key, row.sealed, value)) count++;
      return count;
    });
    progress.resealed += written;
    progress.changedMeanwhile += resealed.length - written;
    lost += resealed.length - written;
    options.onBatch?.(column.name, progress);
  }
}

async function countRemaining(
  database: Database,
  cipher: PhiCipher,
  columns: readonly SealedColumn[],
): Promise<number> {
  let remaining = 0;
  for (const column of columns) {
    let after: string | null = null;
    for (;;) {
      const rows = await column.page(database.db, cipher.keyId, after, 1000);
      if (rows.length === 0) break;
      remaining += rows.length;
      after = rows.at(-1)!.row_key;
    }
  }
  return remaining;
}
