import { precompiledQuery } from '../db/precompiled.js';
import type { IdempotencyKeyTable } from '../db/schema.js';
import type { Executor } from '../db/transaction.js';

export type IdempotencyKeyRow = IdempotencyKeyTable;

/** SQL of `idempotency_keys` (SPEC §1.8): one row per (scope, key), its response stored once done. */
export class IdempotencyKeysRepository {
  /**
   * Inserts the key with an empty response; false when it already exists. A concurrent claim of the
   * same key waits here (unique index / single writer) until the first one commits or rolls back.
   */
  private readonly insertKey = precompiledQuery<
    unknown,
    [scope: string, key: string, fingerprint: string, createdAt: number]
  >((db, arg) =>
    db
      .insertInto('idempotency_keys')
      .values({
        scope: arg(0),
        key: arg(1),
        fingerprint: arg(2),
        created_at: arg(3),
        status_code: 0,
        response_body: '',
      })
      .onConflict((oc) => oc.columns(['scope', 'key']).doNothing()),
  );

  async claim(
    db: Executor,
    row: Pick<IdempotencyKeyRow, 'scope' | 'key' | 'fingerprint' | 'created_at'>,
  ): Promise<boolean> {
    const claimed = await this.insertKey(db, row.scope, row.key, row.fingerprint, row.created_at);
    return Number(claimed.numAffectedRows ?? 0n) > 0;
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

  private readonly updateResponse = precompiledQuery<
    unknown,
    [statusCode: number, body: string, scope: string, key: string]
  >((db, arg) =>
    db
      .updateTable('idempotency_keys')
      .set({ status_code: arg(0), response_body: arg(1) })
      .where('scope', '=', arg(2))
      .where('key', '=', arg(3)),
  );

  async storeResponse(db: Executor, scope: string, key: string, statusCode: number, body: string) {
    await this.updateResponse(db, statusCode, body, scope, key);
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
