import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TEST_SECRET } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  type ProcessEnvOptions,
  runCli,
  type ServerProcess,
  startServerProcess,
} from '../support/server-process.js';

/**
 * SPEC §1.1 — a revoked key answers 401 on the very next request, even when the revocation is
 * done by the CLI in another process while the server is under load: the server keeps no cache
 * that could outlive a revocation.
 */
describe('key revocation by the CLI applies to a running server at once', () => {
  let testDatabase: TestDatabase;
  let options: ProcessEnvOptions;
  let server: ServerProcess | undefined;
  let apiKey: string;

  before(async () => {
    testDatabase = await createTestDatabase();
    options = { databaseUrl: testDatabase.url, secret: TEST_SECRET };
    apiKey = (await runCli<{ api_key: string }>(['channel', 'create', '--name', 'Revoke', '--json'], options))
      .api_key;
    // Warn level: no log line per request under load.
    server = await startServerProcess({ ...options, logLevel: 'warn' });
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

    await runCli(['key', 'revoke', '--key-prefix', apiKey.slice(0, 16), '--json'], options);
    const after = await list();
    const body = (await after.json()) as Record<string, unknown>;
    assert.equal(after.status, 401, JSON.stringify(body));
    assert.equal(body.error, 'Unauthorized');
  });
});
