import type SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** Distinct SQL texts kept prepared; the app issues a few dozen, so this only bounds odd cases. */
const MAX_STATEMENTS = 500;

/**
 * Kysely's SQLite driver prepares every query anew; preparing costs more than running a
 * primary-key lookup. This keeps prepared statements by SQL text and reuses them. Safe because
 * better-sqlite3 runs a statement to completion synchronously (Kysely never streams here), and
 * SQLite re-prepares a cached statement itself after a schema change.
 */
export function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => {
      statements.clear();
      sqlite.close();
    },
    prepare: (sql: string) => {
      let statement = statements.get(sql);
      if (statement === undefined) {
        statement = sqlite.prepare(sql);
        if (statements.size >= MAX_STATEMENTS) statements.delete(statements.keys().next().value!);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
