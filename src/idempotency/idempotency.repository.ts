import type { IdempotencyKeyTable } from '../db/schema.js';
import type { Executor } from '../db/transaction.js';

export type IdempotencyKeyRow = IdempotencyKeyTable;

/** SQL of `idempotency_keys` (SPEC §1.8): one row per (scope, key), its response stored once done. */
export class IdempotencyKeysRepository {
  /**
   * Inserts the key with an empty response; false when it already exists. A concurrent claim of the
   * same key waits here (unique index / single writer) until the first one commits or rolls back.
   */
  async claim(
    db: Executor,
    row: Pick<IdempotencyKeyRow, 'scope' | 'key' | 'fingerprint' | 'created_at'>,
  ): Promise<boolean> {
    const claimed = await db
      .insertInto('idempotency_keys')
      .values({ ...row, status_code: 0, response_body: '' })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
      .executeTakeFirst();
    return Number(claimed.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async find(
    db: Executor,
    scope: string,
    key: string,
  ): Promise<Pick<IdempotencyKeyRow, 'fingerprint' | 'status_code' | 'response_body'> | undefined> {
    return db
      .selectFrom('idempotency_keys')
      .select(['fingerprint', 'status_code', 'response_body'])
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirst();
  }

  async storeResponse(db: Executor, scope: string, key: string, statusCode: number, body: string) {
    await db
      .updateTable('idempotency_keys')
      .set({ status_code: statusCode, response_body: body })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .execute();
  }

  /** Removes the records created before `cutoff`; returns how many. */
  async deleteCreatedBefore(db: Executor, cutoff: number): Promise<number> {
    const result = await db
      .deleteFrom('idempotency_keys')
      .where('created_at', '<', cutoff)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
