import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  Migrator,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
  sql,
} from 'kysely';
import type pgModule from 'pg';
import { ensurePrivateDir, ensurePrivateFile } from '../lib/private-files.js';
import { migrations } from './migrations/index.js';
import { QualifyPostgresDialect } from './pg-introspector.js';
import { usePreparedStatements } from './pg-prepared.js';
import type { DB } from './schema.js';
import { withStatementCache } from './statement-cache.js';

export const ENGINES = ['sqlite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

export interface Database {
  readonly db: Kysely<DB>;
  readonly engine: Engine;
  /**
   * Runs `work` while holding a lock named `name` that every instance on this database shares
   * (PostgreSQL: a session advisory lock on a connection of its own, scoped to the schema;
   * SQLite: an exclusive lock on a `.lock` file next to the database). Used for first-start work
   * that must happen once however many instances start at the same moment.
   */
  exclusive<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** One round trip (`/readyz`): rejects when the database cannot answer. */
  ping(): Promise<void>;
  /**
   * SQLite only: whether the connection has a transaction open. Some errors (SQLITE_FULL, IOERR,
   * …) roll the whole transaction back, not just the statement; group commit must know.
   */
  inTransaction?(): boolean;
  /**
   * PostgreSQL only: a new, unconnected client outside the pool, in the pool's schema and without
   * its statement timeout (advisory locks, `LISTEN` in `db/notifications.ts`). The caller ends it.
   */
  dedicatedClient?(): pgModule.Client;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  poolSize?: number;
  statementTimeoutMs?: number;
  /** PostgreSQL only: the schema every connection uses (tests run in a schema of their own). */
  searchPath?: string;
}

/**
 * PostgreSQL: how long a pooled statement waits for a row lock before it fails. A request waiting
 * for another one holding its idempotency key gives up after this and answers 409 (SPEC §1.8).
 */
export const LOCK_WAIT_MS = 10_000;

export function openDatabase(url: string, options: DatabaseOptions = {}): Database {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url, options);
  throw new Error('DATABASE_URL must start with sqlite: or postgres://');
}

function openSqlite(path: string): Database {
  const file = path === ':memory:' || path === '' ? ':memory:' : resolve(path);
  if (file !== ':memory:') {
    // Issue 13 item 4 — SQLite gives the WAL and shared-memory files the database file's mode.
    ensurePrivateDir(dirname(file));
    ensurePrivateFile(file);
  }
  const instance = file === ':memory:' ? undefined : holdInstanceLock(file);
  const sqlite = new SQLite(file);
  // WAL: readers never block the writer. synchronous=NORMAL in WAL mode keeps every committed
  // transaction across a process crash (kill -9); only an OS crash can lose the last ones.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('foreign_keys = ON');
  // 32 MiB of page cache (SQLite's default is 2 MiB): the indexes and recent rows of a table of
  // 100k sessions stay in memory, so a random retrieve rarely reads a page from the file.
  sqlite.pragma('cache_size = -32768');
  const db = new Kysely<DB>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }),
  });
  return {
    db,
    engine: 'sqlite',
    exclusive: sqliteExclusive(file),
    inTransaction: () => sqlite.inTransaction,
    ping: () => ping(db),
    close: async () => {
      await db.destroy();
      instance?.close();
    },
  };
}

/**
 * Issue 13 item 8 — every process with a SQLite database open (servers, commands) holds a shared
 * lock on `<db>.instances` for as long as it has it open; `qualify restore` needs that lock
 * exclusively, so it cannot replace a database anyone is using, and nothing opens the database
 * while a restore replaces it. The OS drops the lock when a holder dies.
 */
export function holdInstanceLock(file: string): SQLite.Database {
  const path = `${file}.instances`;
  ensurePrivateFile(path);
  const lock = new SQLite(path, { timeout: 2_000 });
  try {
    lock.exec('BEGIN');
    lock.prepare('SELECT count(*) FROM sqlite_master').get();
    return lock;
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY')
      throw new Error(`${file} is being restored; start again once \`qualify restore\` has finished`);
    throw error;
  }
}

export class DatabaseInUseError extends Error {}

/**
 * Takes `<db>.instances` exclusively for a restore, or throws DatabaseInUseError when a server or
 * a command has the database open. `release` lets others open it again.
 */
export function lockSqliteForRestore(file: string): { release(): void } {
  const path = `${file}.instances`;
  ensurePrivateFile(path);
  const lock = new SQLite(path, { timeout: 0 });
  try {
    lock.exec('BEGIN EXCLUSIVE');
  } catch (error) {
    lock.close();
    if ((error as { code?: string }).code === 'SQLITE_BUSY')
      throw new DatabaseInUseError(
        `${file} is open in a running Qualify (a server or a command): stop it before restoring`,
      );
    throw error;
  }
  return {
    release: () => {
      lock.exec('ROLLBACK');
      lock.close();
    },
  };
}

async function ping(db: Kysely<DB>): Promise<void> {
  await sql`SELECT 1`.execute(db);
}

/**
 * Transactions start with BEGIN IMMEDIATE: they take the write lock up front (waiting up to
 * busy_timeout), so a read-then-write transaction never fails with SQLITE_BUSY when another
 * process sharing the file wrote in between. Inside one process the single connection already
 * serialises transactions, so this only matters when several processes share one file.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

/**
 * SQLite has no advisory locks: an exclusive transaction on a small side file (`<db>.lock`) is
 * the cross-process lock (the OS drops it if the holder dies). Its busy wait would block the event
 * loop, so the attempt never waits (timeout 0) and is retried on a timer instead; a promise chain
 * orders the callers inside this process.
 */
function sqliteExclusive(file: string): Database['exclusive'] {
  let queue: Promise<void> = Promise.resolve();
  return async (_name, work) => {
    const previous = queue;
    let release = () => {};
    queue = new Promise((done) => {
      release = done;
    });
    await previous;
    if (file !== ':memory:') ensurePrivateFile(`${file}.lock`);
    const lock = file === ':memory:' ? undefined : new SQLite(`${file}.lock`, { timeout: 0 });
    try {
      if (lock) await lockExclusively(lock);
      return await work();
    } finally {
      lock?.close();
      release();
    }
  };
}

const SQLITE_LOCK_WAIT_MS = 60_000;

async function lockExclusively(lock: SQLite.Database): Promise<void> {
  const deadline = Date.now() + SQLITE_LOCK_WAIT_MS;
  for (;;) {
    try {
      lock.exec('BEGIN EXCLUSIVE');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

/** Lock space of Qualify's advisory locks (two-int form: never collides with Kysely's bigint migration lock). */
const ADVISORY_LOCK_SPACE = 0x5175616c;

function openPostgres(url: string, options: DatabaseOptions): Database {
  // Loaded here, synchronously, rather than imported at the top: a server on SQLite never needs
  // the driver, and loading it cost ~50 ms of start-up (issue 9 item 3).
  const pg = createRequire(import.meta.url)('pg') as typeof pgModule;
  // int8 (bigint) columns hold epoch milliseconds and counts: both fit a JS number exactly.
  pg.types.setTypeParser(20, (value) => Number(value));
  // Keep any `options` the URL already carries (e.g. a search_path) and add ours. pg lets the
  // connection string's values override the config's, so `options` leaves the URL and is passed
  // once, combined.
  const settings: string[] = [];
  const parsed = new URL(url);
  const fromUrl = parsed.searchParams.get('options');
  if (fromUrl) settings.push(fromUrl);
  parsed.searchParams.delete('options');
  const connectionString = parsed.toString();
  if (options.searchPath) settings.push(`-c search_path=${options.searchPath}`);
  const lockSettings = settings.join(' ');
  if (options.statementTimeoutMs) settings.push(`-c statement_timeout=${options.statementTimeoutMs}`);
  // A pooled statement waits at most LOCK_WAIT_MS for a row lock (`lock_not_available`, which an
  // idempotent request answers as 409). Set per connection rather than per transaction: a
  // `SET LOCAL` was one more round trip in every write.
  settings.push(`-c lock_timeout=${LOCK_WAIT_MS}`);
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize ?? 10,
    ...(settings.length > 0 ? { options: settings.join(' ') } : {}),
  });
  // An idle client's error (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  usePreparedStatements(pool);
  const db = new Kysely<DB>({ dialect: new QualifyPostgresDialect({ pool }) });

  // The lock lives on a connection outside the pool (so `work` can use the whole pool, even a
  // pool of one) and without the statement timeout (waiting for the holder is the point). The
  // key includes the schema, so deployments (and tests) in different schemas do not contend.
  const dedicatedClient = () =>
    new pg.Client({
      connectionString,
      ...(lockSettings ? { options: lockSettings } : {}),
    });
  const exclusive: Database['exclusive'] = async (name, work) => {
    const client = dedicatedClient();
    client.on('error', () => {});
    await client.connect();
    try {
      const key = [ADVISORY_LOCK_SPACE, name];
      await client.query("SELECT pg_advisory_lock($1, hashtext(coalesce(current_schema(), '') || $2))", key);
      return await work();
    } finally {
      // Ending the session releases its advisory locks, also when `work` failed.
      await client.end();
    }
  };
  return {
    db,
    engine: 'postgres',
    exclusive,
    ping: () => ping(db),
    dedicatedClient,
    close: () => db.destroy(),
  };
}

/**
 * Runs pending migrations, once, however many instances start at the same moment.
 * - PostgreSQL: Kysely's PostgresAdapter takes a session advisory lock (`pg_advisory_lock`) on
 *   the migrating connection and runs the migrations in one transaction; a second instance waits
 *   on the lock, then reads the migration table and finds nothing to do. The connection drops
 *   the statement timeout for the run: waiting for the lock or building an index may take longer.
 * - SQLite: Kysely takes no lock (it assumes one process), so the whole run is one
 *   BEGIN IMMEDIATE transaction: another process waits on the write lock, then finds nothing to do.
 */
/** `qualify doctor`: the migrations this build has that the database has not run (nothing is changed). */
export async function pendingMigrations(database: Database): Promise<string[]> {
  const provider = { getMigrations: async () => migrations };
  let schema: string | undefined;
  if (database.engine === 'postgres') {
    const current = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(database.db);
    schema = current.rows[0]?.schema ?? 'public';
  }
  const migrator = new Migrator({
    db: database.db,
    provider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const known = await migrator.getMigrations();
  return known.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

export async function migrate(database: Database): Promise<string[]> {
  const { error, results } = await database.db.connection().execute(async (connection) => {
    const provider = { getMigrations: async () => migrations };
    if (database.engine === 'postgres') {
      // Kysely looks for its migration tables in every schema of the database unless told which
      // one: with another schema already migrated (a second deployment, parallel test runs) it
      // would skip creating its own tables and then fail. Ours is the connection's current schema.
      const current = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(connection);
      const migrator = new Migrator({
        db: connection,
        provider,
        migrationTableSchema: current.rows[0]?.schema ?? 'public',
      });
      // A migration may wait for other instances' transactions (and for the migration lock).
      await sql`SET statement_timeout = 0`.execute(connection);
      await sql`SET lock_timeout = 0`.execute(connection);
      try {
        return await migrator.migrateToLatest();
      } finally {
        await sql`RESET statement_timeout`.execute(connection);
        await sql`RESET lock_timeout`.execute(connection);
      }
    }
    const migrator = new Migrator({ db: connection, provider });
    await sql`BEGIN IMMEDIATE`.execute(connection);
    try {
      const outcome = await migrator.migrateToLatest();
      await sql.raw(outcome.error ? 'ROLLBACK' : 'COMMIT').execute(connection);
      return outcome;
    } catch (thrown) {
      await sql`ROLLBACK`.execute(connection);
      throw thrown;
    }
  });
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
