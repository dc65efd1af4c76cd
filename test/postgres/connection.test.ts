import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { migrate, openDatabase } from '../../src/db/database.js';
import { createTestDatabase, TEST_ENGINE } from '../support/database.js';

// SPEC §4.3 — what `src/db/database.ts` promises about connections, on the engine of this run.

test(`exclusive() runs one caller at a time across separate connections (${TEST_ENGINE})`, async () => {
  const testDatabase = await createTestDatabase();
  // Two handles on one database stand for two instances.
  const [a, b] = [openDatabase(testDatabase.url), openDatabase(testDatabase.url)];
  try {
    await migrate(a);
    const log: string[] = [];
    let releaseFirst = () => {};
    const firstHolds = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });
    let firstEntered = () => {};
    const entered = new Promise<void>((resolve) => {
      firstEntered = resolve;
    });
    const first = a.exclusive('test-lock', async () => {
      log.push('a in');
      firstEntered();
      await firstHolds;
      log.push('a out');
    });
    await entered;
    const second = b.exclusive('test-lock', async () => {
      log.push('b in');
    });
    // b is waiting for the lock: give it every chance to (wrongly) get in before a lets go.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(log, ['a in']);
    releaseFirst();
    await Promise.all([first, second]);
    assert.deepEqual(log, ['a in', 'a out', 'b in']);

    // A failure inside releases the lock too.
    await assert.rejects(
      a.exclusive('test-lock', async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await b.exclusive('test-lock', async () => 'free'), 'free');
  } finally {
    await a.close();
    await b.close();
    await testDatabase.drop();
  }
});

if (TEST_ENGINE === 'postgres') {
  test('PostgreSQL connections: statement timeout, schema from the URL, int8 as number, migrations without the timeout', async () => {
    const testDatabase = await createTestDatabase();
    const database = openDatabase(testDatabase.url, { poolSize: 2, statementTimeoutMs: 1500 });
    try {
      // Both pooled connections carry the timeout and the URL's search_path.
      const settings = await Promise.all(
        [0, 1].map(() =>
          database.db.connection().execute((c) =>
            sql<{
              timeout: string;
              schema: string;
            }>`SELECT current_setting('statement_timeout') AS timeout, current_schema() AS schema`.execute(c),
          ),
        ),
      );
      for (const { rows } of settings)
        assert.deepEqual(rows[0], { timeout: '1500ms', schema: testDatabase.schema });

      await assert.rejects(sql`SELECT pg_sleep(3)`.execute(database.db), (error: { code?: string }) => {
        assert.equal(error.code, '57014', 'query_canceled by statement_timeout');
        return true;
      });

      // migrate() lifts the timeout for its run and restores it afterwards.
      assert.ok((await migrate(database)).length > 0);
      const after = await Promise.all(
        [0, 1].map(() =>
          sql<{ timeout: string }>`SELECT current_setting('statement_timeout') AS timeout`.execute(
            database.db,
          ),
        ),
      );
      for (const { rows } of after) assert.equal(rows[0]?.timeout, '1500ms');

      const count = await sql<{ n: unknown }>`SELECT count(*) AS n FROM sales_channels`.execute(database.db);
      assert.equal(count.rows[0]?.n, 0, 'int8 arrives as a JS number');
    } finally {
      await database.close();
      await testDatabase.drop();
    }
  });
}
