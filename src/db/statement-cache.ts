import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** Distinct SQL texts kept prepared; the app issues a few dozen, so this only bounds odd cases. */
const MAX_STATEMENTS = 500;

/** Builds a row object from the array SQLite returns, in select order. */
type RowDecoder = (values: unknown[]) => Record<string, unknown>;

/**
 * An object literal with the statement's columns as its keys, compiled once per statement. V8
 * gives every row of a statement the same shape at once, where better-sqlite3's own row objects
 * are filled in one property set at a time: a 24-column session row took ~10 µs that way and
 * ~4 µs as an array decoded here (issue 9 item 4; `bench/NOTES.md`). Column names come from SQL
 * the code builds, and each is written as a JSON string literal.
 */
function decoderFor(columns: readonly string[]): RowDecoder {
  const fields = columns.map((name, i) => `${JSON.stringify(name)}: values[${i}]`);
  return new Function('values', `return { ${fields.join(', ')} };`) as RowDecoder;
}

/** A reader statement that returns its rows as arrays and decodes them with its compiled decoder. */
function decodingStatement(statement: SQLite.Statement): SqliteStatement {
  if (!statement.reader) return statement;
  const rows = statement.raw(true);
  // Two columns of one name (a join): an object keeps the last, as better-sqlite3's rows do.
  let width = -1;
  let decode: RowDecoder = () => ({});
  // A `SELECT *` re-prepared by SQLite after a schema change can return more columns than it
  // did: the decoder follows the statement's columns whenever the width changes.
  const decoderOf = (values: unknown[]): RowDecoder => {
    if (values.length !== width) {
      decode = decoderFor(statement.columns().map((column) => column.name));
      width = values.length;
    }
    return decode;
  };
  return {
    reader: true,
    all: (parameters) => {
      const arrays = rows.all(parameters) as unknown[][];
      if (arrays.length === 0) return arrays;
      const decodeRow = decoderOf(arrays[0]!);
      return arrays.map(decodeRow);
    },
    run: (parameters) => rows.run(parameters),
    *iterate(parameters) {
      for (const values of rows.iterate(parameters) as IterableIterator<unknown[]>)
        yield decoderOf(values)(values);
    },
  };
}

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs more than running a
 * primary-key lookup. This keeps prepared statements by SQL text and reuses them. Safe because
 * better-sqlite3 runs a statement to completion synchronously (Kysely never streams here), and
 * SQLite re-prepares a cached statement itself after a schema change.
 */
export function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => {
      statements.clear();
      sqlite.close();
    },
    prepare: (sql: string) => {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = decodingStatement(sqlite.prepare(sql));
        if (statements.size >= MAX_STATEMENTS) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
