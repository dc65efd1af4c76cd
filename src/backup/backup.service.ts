import { chmodSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config } from '../config.js';
import { holdInstanceLock, lockSqliteForRestore } from '../db/database.js';
import { migrations } from '../db/migrations/index.js';
import { ensurePrivateDir, ensurePrivateFile, PRIVATE_FILE_MODE } from '../lib/private-files.js';
import { createRepositories } from '../repositories.js';
import { keyCheckValue } from '../secrets/key-check.js';
import type { BackupContents } from './backup.repository.js';

export interface BackupResult extends BackupContents {
  /** The backup file (for `backup`) or the database file (for `restore`). */
  file: string;
  bytes: number;
}

export const PG_DUMP_HINT =
  'DATABASE_URL is PostgreSQL: back it up with pg_dump, e.g. pg_dump --format=custom --file=qualify.dump "$DATABASE_URL" (README: Operating securely, Backups)';
export const PG_RESTORE_HINT =
  'DATABASE_URL is PostgreSQL: restore with pg_restore, e.g. pg_restore --clean --if-exists --no-owner --dbname "$DATABASE_URL" qualify.dump (README: Operating securely, Backups)';

const repo = createRepositories().backups;

function sqliteFile(config: Pick<Config, 'databaseUrl'>, postgresHint: string): string {
  if (!config.databaseUrl.startsWith('sqlite:')) throw new Error(postgresHint);
  const path = config.databaseUrl.slice('sqlite:'.length);
  if (path === '' || path === ':memory:')
    throw new Error('an in-memory database has nothing to back up or restore');
  return resolve(path);
}

/**
 * Issue 13 item 8 — `qualify backup <file>`: a consistent copy of the SQLite database while servers
 * keep writing. Written beside the target and renamed into place once checked, 0600.
 */
export async function backupDatabase(
  config: Pick<Config, 'databaseUrl'>,
  target: string,
  options: { force: boolean; onStep?: (step: string) => void },
): Promise<BackupResult> {
  const database = sqliteFile(config, PG_DUMP_HINT);
  const file = resolve(target);
  if (!existsSync(database)) throw new Error(`${database} does not exist`);
  if (existsSync(file) && !options.force) throw new Error(`${file} exists; --force replaces it`);
  const partial = `${file}.partial-${process.pid}`;
  // Held like any instance: a restore cannot replace the database under the copy.
  const instance = holdInstanceLock(database);
  try {
    ensurePrivateFile(partial);
    options.onStep?.(`copying ${database}…`);
    await repo.copyDatabase(database, partial);
    options.onStep?.('checking the copy…');
    repo.finishCopy(partial);
    renameSync(partial, file);
    chmodSync(file, PRIVATE_FILE_MODE);
  } finally {
    instance.close();
    rmSync(partial, { force: true });
  }
  options.onStep?.('counting what the copy holds…');
  return { file, bytes: statSync(file).size, ...repo.contents(file) };
}

/**
 * Issue 13 item 8 — `qualify restore <file>`: refuses while any server or command has the database
 * open (the instance lock), a file that is not a Qualify backup, a backup from a newer version or
 * sealed under another secret; replaces an existing database only with `--force`.
 */
export async function restoreDatabase(
  config: Pick<Config, 'databaseUrl' | 'secret' | 'previousSecrets'>,
  source: string,
  options: { force: boolean },
): Promise<BackupResult> {
  const database = sqliteFile(config, PG_RESTORE_HINT);
  const backup = resolve(source);
  if (!existsSync(backup)) throw new Error(`${backup} does not exist`);
  const contents = repo.contents(backup);
  const unknown = contents.migrations.filter((name) => !(name in migrations));
  if (unknown.length > 0)
    throw new Error(`${backup} comes from a newer Qualify (migration ${unknown.join(', ')}); upgrade first`);
  const checks = [config.secret, ...config.previousSecrets].map(keyCheckValue);
  if (contents.keyCheck !== undefined && !checks.includes(contents.keyCheck))
    throw new Error(
      `${backup} was made under another QUALIFY_SECRET: start with that secret (or keep it in QUALIFY_PREVIOUS_SECRETS)`,
    );

  ensurePrivateDir(dirname(database));
  const lock = lockSqliteForRestore(database);
  const incoming = `${database}.restoring`;
  try {
    if (existsSync(database) && !options.force) throw new Error(`${database} exists; --force replaces it`);
    ensurePrivateFile(incoming);
    await repo.copyDatabase(backup, incoming);
    repo.finishCopy(incoming);
    // The replaced database's WAL and shared memory belong to it, not to the restored one.
    for (const stale of [`${database}-wal`, `${database}-shm`]) rmSync(stale, { force: true });
    renameSync(incoming, database);
    chmodSync(database, PRIVATE_FILE_MODE);
  } finally {
    rmSync(incoming, { force: true });
    lock.release();
  }
  return { file: database, bytes: statSync(database).size, ...contents };
}
