import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config.js';

/**
 * Issue 13 item 4 — files holding Qualify's data (the database and its WAL and shared memory, the
 * secret, mail) are readable by their owner only, in directories only the owner can enter.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `path` (and missing parents) as 0700 directories; an existing one is left as it is. */
export function ensurePrivateDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Creates an empty file 0600 unless it exists (SQLite gives its WAL and -shm the database's mode). */
export function ensurePrivateFile(path: string): void {
  if (existsSync(path)) return;
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
}

/** Writes `data` to a new or replaced file that ends up 0600 whatever the umask (mail, exports). */
export function writePrivateFile(path: string, data: string | Uint8Array): void {
  writeFileSync(path, data, { mode: PRIVATE_FILE_MODE });
  chmodSync(path, PRIVATE_FILE_MODE);
}

/**
 * One warning per existing file wider than 0600 and directory wider than 0700 (any group or other
 * access), naming the chmod that fixes it. Missing paths are skipped.
 */
export function widerThanPrivate(files: readonly string[], directories: readonly string[]): string[] {
  const warnings: string[] = [];
  const check = (path: string, mode: number) => {
    if (!existsSync(path)) return;
    const actual = statSync(path).mode & 0o777;
    if ((actual & ~mode) !== 0)
      warnings.push(
        `${path} is mode ${octal(actual)}; it should be ${octal(mode)} (chmod ${octal(mode)} ${path})`,
      );
  };
  for (const dir of directories) check(dir, PRIVATE_DIR_MODE);
  for (const file of files) check(file, PRIVATE_FILE_MODE);
  return warnings;
}

/** The files directly inside `dir` (mail messages), for `widerThanPrivate`. */
export function filesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(dir, entry.name));
}

const octal = (mode: number) => `0${mode.toString(8).padStart(3, '0')}`;

/**
 * Issue 13 item 4 — the start-up check: every existing file and directory holding Qualify's data
 * (SQLite database, WAL, shared memory and lock files, the generated secret, mail) that others
 * could read, as warnings to log.
 */
export function dataFileWarnings(config: Pick<Config, 'databaseUrl' | 'dataDir'>): string[] {
  const mail = join(config.dataDir, 'mail');
  const files = [join(config.dataDir, 'secret'), ...filesIn(mail)];
  const directories = [config.dataDir, mail];
  const sqlitePath = config.databaseUrl.startsWith('sqlite:')
    ? config.databaseUrl.slice('sqlite:'.length)
    : '';
  if (sqlitePath !== '' && sqlitePath !== ':memory:') {
    const db = resolve(sqlitePath);
    files.push(db, `${db}-wal`, `${db}-shm`, `${db}.lock`);
    if (!directories.includes(dirname(db))) directories.push(dirname(db));
  }
  return widerThanPrivate(files, directories);
}
