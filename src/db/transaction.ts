import type { Kysely, Transaction } from 'kysely';
import type { Database, Engine } from './database.js';
import type { DB } from './schema.js';

/** A unit of work: the transaction, its engine, and callbacks that run only once it has committed. */
export interface Tx {
  readonly db: Transaction<DB>;
  readonly engine: Engine;
  afterCommit(callback: () => void): void;
}

export type Executor = Kysely<DB> | Transaction<DB>;

export async function transact<T>(database: Database, work: (tx: Tx) => Promise<T>): Promise<T> {
  const callbacks: Array<() => void> = [];
  const result = await database.db
    .transaction()
    .execute((trx) => work({ db: trx, engine: database.engine, afterCommit: (cb) => callbacks.push(cb) }));
  for (const callback of callbacks) callback();
  return result;
}
