import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seedFirstStart } from '../../src/bootstrap.js';
import { migrate, openDatabase } from '../../src/db/database.js';
import { createServices } from '../../src/services.js';
import { testConfig } from '../support/app.js';
import { createTestDatabase, TEST_ENGINE } from '../support/database.js';

// SPEC §4.1, §4.3 — first-start seeding checks "is the database empty?" and then creates the
// Sandbox channel: without a shared lock, instances starting together would all see it empty.
// Here several independent connections (one per would-be instance) seed at the same moment; the
// process-level version is in startup-race.test.ts.
test(`first-start seeding happens exactly once when ${TEST_ENGINE} instances race`, async () => {
  const INSTANCES = 4;
  for (let round = 0; round < 3; round++) {
    const testDatabase = await createTestDatabase();
    const config = testConfig(testDatabase.url);
    const databases = Array.from({ length: INSTANCES }, () => openDatabase(testDatabase.url));
    try {
      await migrate(databases[0]!);
      const results = await Promise.all(
        databases.map((database) => seedFirstStart(createServices(config, database))),
      );
      const seeded = results.filter((result) => result !== undefined);
      assert.equal(seeded.length, 1, `round ${round}: ${JSON.stringify(results)}`);

      const channels = await databases[0]!.db.selectFrom('sales_channels').select(['id', 'name']).execute();
      assert.deepEqual(channels, [{ id: seeded[0]?.sandbox.sales_channel_id, name: 'Sandbox' }]);
    } finally {
      await Promise.all(databases.map((database) => database.close()));
      await testDatabase.drop();
    }
  }
});
