import SQLite from 'better-sqlite3';
import type { KeyCheckRepository } from '../secrets/key-check.repository.js';

/** What a backup holds, as `qualify backup` and `qualify restore` report it. */
export interface BackupContents {
  sessions: number;
  letters: number;
  deliveries: number;
  /** Names of the migrations applied to it. */
  migrations: string[];
  /** The key check value (issue 13 item 2), when it has one. */
  keyCheck: string | undefined;
}

/** Pages per backup step: everything at once (see `copyDatabase`). */
const ALL_PAGES = 0x7fffffff;

/**
 * Issue 13 item 8 — SQL and file work of SQLite backups (PostgreSQL has pg_dump).
 * `copyDatabase` uses SQLite's online backup API in one step: one read transaction, so the copy is
 * the database at one instant even while a server writes (WAL readers never block the writer),
 * and no write can make a multi-step backup start over and over.
 */
export class BackupRepository {
  constructor(private readonly keyChecks: KeyCheckRepository) {}

  async copyDatabase(from: string, to: string): Promise<void> {
    const source = new SQLite(from, { fileMustExist: true });
    try {
      await source.backup(to, { progress: () => ALL_PAGES });
    } finally {
      source.close();
    }
  }

  /** A self-contained single file (no -wal beside it), checked page by page. */
  finishCopy(path: string): void {
    const copy = new SQLite(path, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
      const [result] = copy.pragma('integrity_check') as Array<{ integrity_check: string }>;
      if (result?.integrity_check !== 'ok')
        throw new Error(`the copy failed its integrity check: ${result?.integrity_check}`);
    } finally {
      copy.close();
    }
  }

  /** Reads what a backup file holds; throws when it is not a Qualify SQLite database. */
  contents(path: string): BackupContents {
    const db = new SQLite(path, { readonly: true, fileMustExist: true });
    try {
      const [check] = db.pragma('quick_check') as Array<{ quick_check: string }>;
      if (check?.quick_check !== 'ok') throw new Error(`${path} is damaged: ${check?.quick_check}`);
      const tables = new Set(
        (
          db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>
        ).map((t) => t.name),
      );
      if (!tables.has('kysely_migration') || !tables.has('qualification_sessions'))
        throw new Error(`${path} is not a Qualify database`);
      const count = (table: string) =>
        (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      const keyCheck = this.keyChecks.checkValueInFile(db);
      return {
        sessions: count('qualification_sessions'),
        letters: count('lmns'),
        deliveries: count('webhook_deliveries'),
        migrations: (
          db.prepare('SELECT name FROM kysely_migration ORDER BY name').all() as Array<{ name: string }>
        ).map((m) => m.name),
        keyCheck,
      };
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_NOTADB')
        throw new Error(`${path} is not a SQLite database`);
      throw error;
    } finally {
      db.close();
    }
  }
}
