import type { Compilable, CompiledQuery } from 'kysely';
import type { Executor } from './transaction.js';

/** Stands for the i-th argument while the query is built once. */
class Slot {
  constructor(readonly index: number) {}
}

type Build<Row> = (db: Executor, arg: (index: number) => never) => Compilable<Row>;

/**
 * Compiles `build` once per database handle and binds new arguments in place of its slots. The SQL
 * text is cached per handle (per engine), so a transaction handle compiles anew.
 */
function compiledOnce<Row>(build: Build<Row>) {
  const cache = new WeakMap<Executor, { query: CompiledQuery<Row>; inOrder: boolean }>();
  const arg = (index: number) => new Slot(index) as never;
  return (db: Executor, args: readonly unknown[]): CompiledQuery<Row> => {
    let compiled = cache.get(db);
    if (compiled === undefined) {
      const query = build(db, arg).compile();
      // Every parameter is the argument of the same position (a bulk insert): bind them as given.
      const inOrder = query.parameters.every((p, i) => p instanceof Slot && p.index === i);
      compiled = { query, inOrder };
      cache.set(db, compiled);
    }
    const { query, inOrder } = compiled;
    const parameters = inOrder ? args : query.parameters.map((p) => (p instanceof Slot ? args[p.index] : p));
    return { ...query, parameters };
  };
}

/**
 * A query built and compiled once per database handle, then run with new arguments: on a
 * primary-key lookup Kysely's building and compiling cost more than SQLite's execution. `build`
 * receives `arg(i)` placeholders in place of values — use this for the hot non-transactional reads.
 */
export function precompiled<Row, Args extends unknown[]>(
  build: Build<Row>,
): (db: Executor, ...args: Args) => Promise<Row | undefined> {
  const bind = compiledOnce(build);
  return async (db, ...args) => (await db.executeQuery<Row>(bind(db, args))).rows[0];
}

/**
 * A statement whose result is not read (a bulk insert), built and compiled once per handle: building
 * a multi-row insert node by node costs more than running it. Arguments come as one array.
 */
export function precompiledStatement(
  build: Build<unknown>,
): (db: Executor, args: readonly unknown[]) => Promise<void> {
  const bind = compiledOnce(build);
  return async (db, args) => {
    await db.executeQuery(bind(db, args));
  };
}
