import type { Compilable, CompiledQuery } from 'kysely';
import type { Executor } from './transaction.js';

/** Stands for the i-th argument while the query is built once. */
class Slot {
  constructor(readonly index: number) {}
}

/**
 * A query built and compiled once per database handle, then run with new arguments: on a
 * primary-key lookup Kysely's building and compiling cost more than SQLite's execution. `build`
 * receives `arg(i)` placeholders in place of values; the SQL text is cached per handle (per
 * engine), so a transaction handle compiles anew — use this for the hot non-transactional reads.
 */
export function precompiled<Row, Args extends unknown[]>(
  build: (db: Executor, arg: (index: number) => never) => Compilable<Row>,
): (db: Executor, ...args: Args) => Promise<Row | undefined> {
  const cache = new WeakMap<Executor, CompiledQuery<Row>>();
  const arg = (index: number) => new Slot(index) as never;
  return async (db, ...args) => {
    let compiled = cache.get(db);
    if (compiled === undefined) {
      compiled = build(db, arg).compile();
      cache.set(db, compiled);
    }
    const parameters = compiled.parameters.map((p) => (p instanceof Slot ? args[p.index] : p));
    const result = await db.executeQuery<Row>({ ...compiled, parameters });
    return result.rows[0];
  };
}
