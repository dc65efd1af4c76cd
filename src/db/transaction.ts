import type { ControlledTransaction, Kysely, Transaction } from 'kysely';
import type { Database, Engine } from './database.js';
import type { DB } from './schema.js';

/** A unit of work: the transaction, its engine, and callbacks that run only once it has committed. */
export interface Tx {
  readonly db: Transaction<DB>;
  readonly engine: Engine;
  afterCommit(callback: () => void): void;
}

export type Executor = Kysely<DB> | Transaction<DB>;

/**
 * Runs `work` in a transaction; resolves once it has committed (after its `afterCommit`
 * callbacks). On SQLite, calls made while a transaction is running are group-committed (see
 * GroupCommit); `work` must then have no effects outside the database other than through
 * `afterCommit`, since a batch that fails as a whole runs it again in a transaction of its own.
 */
export async function transact<T>(database: Database, work: (tx: Tx) => Promise<T>): Promise<T> {
  if (database.inTransaction) return groupCommit(database, database.inTransaction).run(work);
  return transactAlone(database, work);
}

async function transactAlone<T>(database: Database, work: (tx: Tx) => Promise<T>): Promise<T> {
  const callbacks: Array<() => void> = [];
  const result = await database.db
    .transaction()
    .execute((trx) => work({ db: trx, engine: database.engine, afterCommit: (cb) => callbacks.push(cb) }));
  for (const callback of callbacks) callback();
  return result;
}

/** Units one batch takes at most: bounds how long the first caller waits for the shared COMMIT. */
const MAX_BATCH = 32;

/**
 * better-sqlite3 runs statements synchronously, so a transaction runs to its end without letting
 * other requests in, and no queue ever forms by itself. So when writes come back to back (the
 * last batch ended less than this long ago), the next batch starts one event-loop turn later and
 * takes the transactions that requests read in that turn asked for. An idle server's transaction
 * still starts at once.
 */
const BACK_TO_BACK_MS = 2;

interface Unit {
  work: (tx: Tx) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; value: unknown; callbacks: Array<() => void> } | { ok: false; error: unknown };

const committers = new WeakMap<Database, GroupCommit>();

function groupCommit(database: Database, inTransaction: () => boolean): GroupCommit {
  let committer = committers.get(database);
  if (!committer) {
    committer = new GroupCommit(database, inTransaction);
    committers.set(database, committer);
  }
  return committer;
}

/**
 * SQLite group commit. The one connection runs one transaction at a time, and most of a small
 * write transaction's cost is its COMMIT (WAL frames of pages that the next transaction writes
 * again, and the auto-checkpoint they cause). So while a transaction runs, further units queue;
 * the next batch runs them all in one BEGIN IMMEDIATE … COMMIT, each in a savepoint of its own,
 * one after another, as if each had its own transaction:
 * - a unit that throws is rolled back to its savepoint and gets its error; the others go on;
 * - results (and errors) are delivered, and `afterCommit` callbacks run, only after the COMMIT;
 * - if the COMMIT fails, or SQLite rolled the whole transaction back during a unit (SQLITE_FULL,
 *   IOERR, …), nothing was committed: that unit gets its error and every other unit runs again
 *   in a transaction of its own, so one failure never fails unrelated callers.
 * A unit on an idle connection runs at once, alone, exactly as without batching.
 */
class GroupCommit {
  private readonly queue: Unit[] = [];
  private running = false;
  /** performance.now() when the last batch ended. */
  private lastEnd = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly database: Database,
    private readonly inTransaction: () => boolean,
  ) {}

  run<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      if (performance.now() - this.lastEnd < BACK_TO_BACK_MS)
        await new Promise((resolve) => setImmediate(resolve));
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        if (batch.length === 1) await this.alone(batch[0]!);
        else await this.together(batch);
      }
    } finally {
      this.running = false;
      this.lastEnd = performance.now();
    }
  }

  private async alone(unit: Unit): Promise<void> {
    try {
      unit.resolve(await transactAlone(this.database, unit.work));
    } catch (error) {
      unit.reject(error);
    }
  }

  private async together(units: Unit[]): Promise<void> {
    let trx: ControlledTransaction<DB>;
    try {
      trx = await this.database.db.startTransaction().execute();
    } catch (error) {
      // BEGIN failed (SQLITE_BUSY once busy_timeout ran out): as without batching, the first
      // caller gets the error and the others try in turn.
      units[0]!.reject(error);
      for (const unit of units.slice(1)) await this.alone(unit);
      return;
    }
    const outcomes: Outcome[] = [];
    let aborted: { index: number; error: unknown } | undefined;
    try {
      for (const [index, unit] of units.entries()) {
        const callbacks: Array<() => void> = [];
        // Its own Transaction object per unit: state keyed by `tx.db` (notifications) stays per unit.
        const db = await trx.savepoint('unit').execute();
        try {
          const value = await unit.work({
            db,
            engine: this.database.engine,
            afterCommit: (cb) => callbacks.push(cb),
          });
          await db.releaseSavepoint('unit').execute();
          outcomes.push({ ok: true, value, callbacks });
        } catch (error) {
          if (!this.inTransaction()) {
            aborted = { index, error };
            throw error;
          }
          await db.rollbackToSavepoint('unit').execute();
          await db.releaseSavepoint('unit').execute();
          outcomes.push({ ok: false, error });
        }
      }
      await trx.commit().execute();
    } catch {
      // Releases the connection; fails harmlessly when SQLite has already rolled back.
      await trx
        .rollback()
        .execute()
        .catch(() => {});
      for (const [index, unit] of units.entries()) {
        if (index === aborted?.index) unit.reject(aborted.error);
        else await this.alone(unit);
      }
      return;
    }
    for (const [index, unit] of units.entries()) {
      const outcome = outcomes[index]!;
      if (!outcome.ok) {
        unit.reject(outcome.error);
        continue;
      }
      try {
        for (const callback of outcome.callbacks) callback();
        unit.resolve(outcome.value);
      } catch (error) {
        unit.reject(error);
      }
    }
  }
}
