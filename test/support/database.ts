import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Engine } from '../../src/db/database.js';

/**
 * Which engine this test run uses. `npm test` runs the whole suite once on SQLite and, when
 * TEST_DATABASE_URL is set, once more with QUALIFY_TEST_ENGINE=postgres.
 */
export const TEST_ENGINE: Engine = process.env.QUALIFY_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

export interface TestDatabase {
  /** DATABASE_URL for the app (for PostgreSQL it selects the private schema through `options`). */
  url: string;
  /** PostgreSQL only: the schema the test owns. */
  schema?: string;
  /** SQLite only: the database file. */
  file?: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of its own for one test file (or one test), removed by `drop`. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const suffix = randomBytes(6).toString('hex');
  if (TEST_ENGINE === 'sqlite') {
    const file = join(tmpdir(), `qualify-test-${testRunId()}-${process.pid}-${suffix}.db`);
    return {
      url: `sqlite:${file}`,
      file,
      drop: async () => {
        for (const ext of ['', '-wal', '-shm', '.lock', '.instances'])
          rmSync(`${file}${ext}`, { force: true });
      },
    };
  }
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('QUALIFY_TEST_ENGINE=postgres needs TEST_DATABASE_URL');
  // `scripts/test.mjs` names its run, so it can drop whatever a crashed test file left behind
  // without touching the schemas of another run sharing the database.
  const schema = `qt_${testRunId()}_${suffix}`;
  await adminQuery(base, `CREATE SCHEMA ${schema}`);
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    schema,
    drop: () => adminQuery(base, `DROP SCHEMA IF EXISTS ${schema} CASCADE`),
  };
}

/** Lower-case hex id of this `npm test` run (`x` outside it); part of every test schema's name. */
export function testRunId(): string {
  const id = process.env.QUALIFY_TEST_RUN ?? 'x';
  return /^[0-9a-f]{1,16}$/.test(id) ? id : 'x';
}

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}
