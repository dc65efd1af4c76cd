import type { Executor } from '../../src/db/transaction.js';
import type { PhiCipher } from '../../src/phi/phi.cipher.js';
import { SEALED_COLUMNS } from '../../src/phi/sealed-columns.js';

/** A key id nothing is sealed under: pages every value of a column. */
const NO_KEY = '000000000000';

/**
 * Opens every value of every registered sealed column with `cipher`, in its registered place;
 * returns how many there were and the `table.column:row` of those that did not open.
 */
export async function openEverySealedValue(
  db: Executor,
  cipher: PhiCipher,
): Promise<{ values: number; unreadable: string[] }> {
  let values = 0;
  const unreadable: string[] = [];
  for (const column of SEALED_COLUMNS) {
    let after: string | null = null;
    for (;;) {
      const rows = await column.page(db, NO_KEY, after, 200);
      if (rows.length === 0) break;
      for (const row of rows) {
        values++;
        try {
          cipher.decrypt(row.sealed, column.context(row.row_key));
        } catch {
          unreadable.push(`${column.name}:${row.row_key}`);
        }
      }
      after = rows.at(-1)!.row_key;
    }
  }
  return { values, unreadable };
}
