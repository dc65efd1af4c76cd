import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Executor } from './transaction.js';

/** Stands for the i-th argument while the query is built once. */
class Slot {
  constructor(readonly index: number) {}
}

/**
 * A query built and compiled once per database, then run with new arguments: on a primary-key
 * lookup or a one-row write Kysely's building and compiling cost more than SQLite's execution.
 * `build` receives `arg(i)` placeholders in place of values. The SQL text is cached per dialect
 * adapter — one per database handle, shared by its transactions — so it also serves queries run
 * inside a transaction, and each engine gets its own text.
 */
export function precompiledQuery<Row, Args extends unknown[]>(
  build: (db: Executor, arg: (index: number) => never) => Compilable<Row>,
): (db: Executor, ...args: Args) => Promise<QueryResult<Row>> {
  const cache = new WeakMap<object, CompiledQuery<Row>>();
  const arg = (index: number) => new Slot(index) as never;
  return (db, ...args) => {
    const adapter = db.getExecutor().adapter;
    let compiled = cache.get(adapter);
    if (compiled === undefined) {
      compiled = build(db, arg).compile();
      cache.set(adapter, compiled);
    }
    const parameters = compiled.parameters.map((p) => (p instanceof Slot ? args[p.index] : p));
    return db.executeQuery<Row>({ ...compiled, parameters });
  };
}

/** `precompiledQuery` for reads of one row: the first row, or undefined. */
export function precompiled<Row, Args extends unknown[]>(
  build: (db: Executor, arg: (index: number) => never) => Compilable<Row>,
): (db: Executor, ...args: Args) => Promise<Row | undefined> {
  const run = precompiledQuery<Row, Args>(build);
  return async (db, ...args) => (await run(db, ...args)).rows[0];
}
