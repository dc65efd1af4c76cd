import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import pg from 'pg';
import { migrate, openDatabase } from '../../src/db/database.js';
import { createTestDatabase, TEST_ENGINE } from '../support/database.js';

// SPEC §4.3 — one database may hold other schemas (another deployment, parallel test runs) that
// come and go while an instance starts. Kysely's stock introspector read every schema and failed
// with `schema "…" does not exist` when one was dropped mid-read; Qualify's reads its own only.
describe(`migrations while other schemas come and go (${TEST_ENGINE})`, () => {
  it('migrates fresh databases while another client keeps creating and dropping schemas', async () => {
    const admin =
      TEST_ENGINE === 'postgres' ? new pg.Client({ connectionString: process.env.TEST_DATABASE_URL }) : null;
    await admin?.connect();
    let churning = true;
    let churned = 0;
    const churn = (async () => {
      while (churning && admin) {
        const name = `qt_churn_${randomBytes(4).toString('hex')}`;
        await admin.query(`CREATE SCHEMA ${name}`);
        await admin.query(`CREATE TABLE ${name}.t (id int)`);
        await admin.query(`DROP SCHEMA ${name} CASCADE`);
        churned += 1;
      }
    })();
    try {
      for (let i = 0; i < 4; i++) {
        const testDatabase = await createTestDatabase();
        const database = openDatabase(testDatabase.url);
        try {
          const applied = await migrate(database);
          assert.ok(applied.includes('001_core'), `run ${i}: applied ${applied.join(', ')}`);
          const tables = (await database.db.introspection.getTables()).map((table) => table.name);
          assert.ok(tables.includes('qualification_sessions'), tables.join(', '));
          assert.ok(!tables.includes('t'), 'another schema’s table was listed');
          assert.deepEqual(await migrate(database), [], 'a second run applies nothing');
        } finally {
          await database.close();
          await testDatabase.drop();
        }
      }
    } finally {
      churning = false;
      await churn;
      await admin?.end();
    }
    if (admin) assert.ok(churned > 0, 'the schema churn never ran');
  });
});
