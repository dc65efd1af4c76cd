import { sql } from 'kysely';
import type { Engine } from './database.js';
import type { Tx } from './transaction.js';

/**
 * The only place engine differences live. SQLite serialises writers (one connection, one
 * transaction at a time), so row locks are PostgreSQL-only; everything else is portable SQL.
 */
export function lockRows<QB extends { forUpdate(): QB }>(engine: Engine, query: QB): QB {
  return engine === 'postgres' ? query.forUpdate() : query;
}

export function skipLocked<QB extends { forUpdate(): QB; skipLocked(): QB }>(engine: Engine, query: QB): QB {
  return engine === 'postgres' ? query.forUpdate().skipLocked() : query;
}

/** PostgreSQL: give up waiting for a row lock after `ms` (error `lock_not_available`). */
export async function setLockTimeout(tx: Tx, ms: number): Promise<void> {
  if (tx.engine === 'postgres')
    await sql`SELECT set_config('lock_timeout', ${`${ms}ms`}, true)`.execute(tx.db);
}

/**
 * Gave up waiting for another transaction: PostgreSQL's `lock_not_available`, or SQLite's busy
 * error once `busy_timeout` has run out (another process holds the write lock).
 */
export function isLockTimeout(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === '55P03' || code === 'SQLITE_BUSY';
}

export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** `LIKE` pattern for a case-insensitive substring match against an already lower-cased column. */
export function containsPattern(term: string): string {
  return `%${escapeLike(term.toLowerCase())}%`;
}

export function startsWithPattern(text: string): string {
  return `${escapeLike(text)}%`;
}

/** `column LIKE pattern` with backslash as the escape character on both engines. */
export function likeEscaped(column: string, pattern: string) {
  return sql<boolean>`${sql.ref(column)} LIKE ${pattern} ESCAPE '\\'`;
}
