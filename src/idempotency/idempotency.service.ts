import type { Database } from '../db/database.js';
import { isLockTimeout, setLockTimeout } from '../db/dialect.js';
import { type Tx, transact } from '../db/transaction.js';
import type { Clock } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';

export interface StoredResponse {
  statusCode: number;
  /** The exact bytes sent the first time; a replay sends them again. */
  body: string;
  replayed: boolean;
}

/** How long a request waits for another one holding the same key before answering 409. */
const KEY_WAIT_MS = 10_000;

/**
 * SPEC §1.8 — the key check, the state change and the stored response commit in one transaction.
 *
 * The key row is inserted first. A concurrent request with the same key blocks on that insert
 * (PostgreSQL: on the unique index; SQLite: on the single writer) until the winner commits, then
 * finds the row and replays it. If the winner rolls back, the waiter's insert goes through and it
 * does the work itself. Waiting longer than 10 s answers `IdempotencyKeyInUse`.
 */
export class IdempotencyService {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
  ) {}

  async run(
    scope: string,
    key: string,
    fingerprint: string,
    work: (tx: Tx) => Promise<{ statusCode: number; body: string }>,
  ): Promise<StoredResponse> {
    try {
      return await transact(this.database, async (tx) => {
        await setLockTimeout(tx, KEY_WAIT_MS);
        const claimed = await tx.db
          .insertInto('idempotency_keys')
          .values({
            scope,
            key,
            fingerprint,
            status_code: 0,
            response_body: '',
            created_at: this.clock.now(),
          })
          .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
          .executeTakeFirst();

        if (Number(claimed.numInsertedOrUpdatedRows ?? 0n) === 0) {
          const existing = await tx.db
            .selectFrom('idempotency_keys')
            .select(['fingerprint', 'status_code', 'response_body'])
            .where('scope', '=', scope)
            .where('key', '=', key)
            .executeTakeFirstOrThrow();
          if (existing.fingerprint !== fingerprint) {
            throw new ApiError(
              'ValidationError',
              'idempotency_key has already been used with a different payload',
            );
          }
          return { statusCode: existing.status_code, body: existing.response_body, replayed: true };
        }

        const response = await work(tx);
        await tx.db
          .updateTable('idempotency_keys')
          .set({ status_code: response.statusCode, response_body: response.body })
          .where('scope', '=', scope)
          .where('key', '=', key)
          .execute();
        return { ...response, replayed: false };
      });
    } catch (error) {
      if (isLockTimeout(error)) {
        throw new ApiError(
          'IdempotencyKeyInUse',
          'a request with this idempotency_key is still being processed',
        );
      }
      throw error;
    }
  }

  /** `qualify prune` — removes records older than `olderThanMs` (kept at least 30 days). */
  async prune(olderThanMs: number): Promise<number> {
    const result = await this.database.db
      .deleteFrom('idempotency_keys')
      .where('created_at', '<', this.clock.now() - olderThanMs)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
