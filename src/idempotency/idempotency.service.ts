import type { Database } from '../db/database.js';
import { isLockTimeout } from '../db/dialect.js';
import { type Tx, transact } from '../db/transaction.js';
import type { Clock } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import type { IdempotencyKeysRepository } from './idempotency.repository.js';
import { withLinkTokens, withoutLinkTokens } from './link-tokens.js';

/** What an idempotent operation decided: a value, or an error recorded against its key (SPEC §1.7 rule 4). */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export interface RenderedResponse {
  statusCode: number;
  /** The exact bytes sent the first time; a replay sends them again. */
  body: string;
}

/**
 * Turns an outcome into the bytes stored with the key and sent. Supplied by the HTTP layer (it
 * knows the wire shape and the request id); services only decide the outcome.
 */
export type RenderResponse<T> = (outcome: Outcome<T>) => RenderedResponse;

export interface StoredResponse extends RenderedResponse {
  replayed: boolean;
}

/**
 * SPEC §1.8 — the key check, the state change and the stored response commit in one transaction.
 *
 * The key row is inserted first. A concurrent request with the same key blocks on that insert
 * (PostgreSQL: on the unique index; SQLite: on the single writer) until the winner commits, then
 * finds the row and replays it. If the winner rolls back, the waiter's insert goes through and it
 * does the work itself. Waiting longer than 10 s (`LOCK_WAIT_MS` on PostgreSQL, SQLite's
 * `busy_timeout`) answers `IdempotencyKeyInUse`.
 */
export class IdempotencyService {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly keys: IdempotencyKeysRepository,
    /** The service secret: stored responses keep no working shopper link (issue 10 item 7). */
    private readonly secret: Buffer,
  ) {}

  async run<T>(
    request: { scope: string; key: string; fingerprint: string },
    render: RenderResponse<T>,
    work: (tx: Tx) => Promise<Outcome<T>>,
  ): Promise<StoredResponse> {
    const { scope, key, fingerprint } = request;
    try {
      return await transact(this.database, async (tx) => {
        const claimed = await this.keys.claim(tx.db, {
          scope,
          key,
          fingerprint,
          created_at: this.clock.now(),
        });
        if (!claimed) {
          const existing = await this.keys.find(tx.db, scope, key);
          if (!existing) throw new Error(`idempotency key ${scope}/${key} vanished while claimed`);
          if (existing.fingerprint !== fingerprint) {
            throw new ApiError(
              'ValidationError',
              'idempotency_key has already been used with a different payload',
            );
          }
          return {
            statusCode: existing.status_code,
            body: withLinkTokens(existing.response_body, this.secret),
            replayed: true,
          };
        }
        const response = render(await work(tx));
        await this.keys.storeResponse(
          tx.db,
          scope,
          key,
          response.statusCode,
          withoutLinkTokens(response.body),
        );
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
    return this.keys.deleteCreatedBefore(this.database.db, this.clock.now() - olderThanMs);
  }
}
