import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { type Database, openDatabase } from '../../src/db/database.js';
import { migrations } from '../../src/db/migrations/index.js';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from '../support/database.js';
import { newSecret, type ServerProcess, startServerProcess } from '../support/server-process.js';

// SPEC §4.3 / §4.1 — two instances starting at the same moment on one empty database: both come
// up healthy, the migrations run once, and the first-start seeding happens once. Runs on both
// engines: PostgreSQL (advisory locks) and two processes on one SQLite file (write lock, lock file).
describe(`two instances starting at once on an empty ${TEST_ENGINE} database`, () => {
  let testDatabase: TestDatabase;
  let database: Database;
  let instances: ServerProcess[] = [];
  // Every instance of one deployment shares its secret (issue 13 item 2: another one is refused).
  const secret = newSecret();

  before(async () => {
    testDatabase = await createTestDatabase();
    const options = { databaseUrl: testDatabase.url, secret };
    const started = await Promise.allSettled([startServerProcess(options), startServerProcess(options)]);
    instances = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    const failure = started.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    database = openDatabase(testDatabase.url);
  });

  after(async () => {
    await database?.close();
    await Promise.all(instances.map((instance) => instance.stop()));
    await testDatabase?.drop();
  });

  test('both answer /readyz with 200', async () => {
    for (const instance of instances) {
      const response = await fetch(`${instance.url}/readyz`);
      assert.equal(response.status, 200, `${instance.url}: ${await response.text()}`);
    }
  });

  test('exactly one instance applied the migrations; every migration is recorded once', async () => {
    const migrated = instances.flatMap((instance) =>
      instance.logs().filter((line) => line.msg === 'database migrated'),
    );
    assert.equal(migrated.length, 1, instances.map((i) => i.stdout()).join('\n---\n'));
    assert.deepEqual(migrated[0]?.migrations, Object.keys(migrations));
    const rows = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(
      database.db,
    );
    assert.deepEqual(
      rows.rows.map((r) => r.name),
      Object.keys(migrations).sort(),
    );
  });

  test('exactly one instance seeded the Sandbox channel and printed its credentials', async () => {
    const printed = instances.filter((instance) => instance.stdout().includes('Sandbox sales channel'));
    assert.equal(printed.length, 1, instances.map((i) => i.stdout()).join('\n---\n'));
    const channels = await database.db.selectFrom('sales_channels').select(['id', 'name']).execute();
    assert.deepEqual(
      channels.map((c) => c.name),
      ['Sandbox'],
    );
    assert.ok(printed[0]?.stdout().includes(channels[0]?.id ?? '?'), printed[0]?.stdout());
  });

  test('a third instance starting later neither migrates nor seeds again', async () => {
    const third = await startServerProcess({ databaseUrl: testDatabase.url, secret });
    instances.push(third);
    assert.equal(third.logs().filter((line) => line.msg === 'database migrated').length, 0, third.stdout());
    assert.ok(!third.stdout().includes('Sandbox sales channel'), third.stdout());
    const count = await database.db
      .selectFrom('sales_channels')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1);
  });
});
