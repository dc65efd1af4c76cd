import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Database, migrate, openDatabase } from '../../src/db/database.js';
import { createServices } from '../../src/services.js';
import { TEST_SECRET, testConfig } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { type ServerProcess, startServerProcess } from './server-process.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * SPEC §1.1 — a revoked key answers 401 on the very next request, even when the revocation is
 * done by the CLI in another process while the server is under load: the server keeps no cache
 * that could outlive a revocation.
 */
describe('key revocation by the CLI applies to a running server at once', () => {
  let testDatabase: TestDatabase;
  let server: ServerProcess | undefined;
  let apiKey: string;

  before(async () => {
    testDatabase = await createTestDatabase();
    const config = testConfig(testDatabase.url);
    const database: Database = openDatabase(config.databaseUrl);
    try {
      await migrate(database);
      apiKey = (await createServices(config, database).channels.createChannel('Revoke', false)).api_key;
    } finally {
      await database.close();
    }
    server = await startServerProcess(testDatabase.url);
  });
  after(async () => {
    await server?.stop();
    await testDatabase.drop();
  });

  it('answers 401 to the first request after `qualify key revoke` returns', async () => {
    const list = () =>
      fetch(`${server!.url}/api/v1/qualification_sessions`, { headers: { 'x-truemed-api-key': apiKey } });
    // Warm: the key has been used many times, as it would be under load.
    for (let i = 0; i < 50; i++) assert.equal((await list()).status, 200);

    await promisify(execFile)(
      process.execPath,
      ['bin/qualify.js', 'key', 'revoke', '--key-prefix', apiKey.slice(0, 16)],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          QUALIFY_ENV: 'test',
          QUALIFY_SECRET: TEST_SECRET,
          DATABASE_URL: testDatabase.url,
          LOG_LEVEL: 'silent',
        },
      },
    );
    const after = await list();
    const body = (await after.json()) as Record<string, unknown>;
    assert.equal(after.status, 401, JSON.stringify(body));
    assert.equal(body.error, 'Unauthorized');
  });
});
