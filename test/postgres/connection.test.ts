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

if (TEST_ENGINE === 'postgres') {
  // Issue 9 item 4 — queries run as named prepared statements: parsed once per connection.
  test('PostgreSQL connections prepare each query text once, by a name derived from it', async () => {
    const testDatabase = await createTestDatabase();
    const database = openDatabase(testDatabase.url, { poolSize: 1 });
    try {
      await migrate(database);
      const find = (id: string) =>
        database.db.selectFrom('sales_channels').select(['id', 'name']).where('id', '=', id);
      await database.db
        .insertInto('sales_channels')
        .values([
          { id: 'sc_a', name: 'A', livemode: 0, created_at: 1 },
          { id: 'sc_b', name: 'B', livemode: 0, created_at: 2 },
        ])
        .execute();
      assert.deepEqual(await find('sc_a').execute(), [{ id: 'sc_a', name: 'A' }]);
      assert.deepEqual(await find('sc_b').execute(), [{ id: 'sc_b', name: 'B' }]);
      assert.deepEqual(await find('sc_none').execute(), []);

      const prepared = await sql<{
        name: string;
        statement: string;
      }>`SELECT name, statement FROM pg_prepared_statements`.execute(database.db);
      const text = find('x').compile().sql;
      const mine = prepared.rows.filter((row) => row.statement === text);
      assert.equal(mine.length, 1, JSON.stringify(prepared.rows));
      assert.match(mine[0]!.name, /^q_[\w-]{24}$/);
    } finally {
      await database.close();
      await testDatabase.drop();
    }
  });
}
