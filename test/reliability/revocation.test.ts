import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KEY_TRUST_MS } from '../../src/channels/key-cache.js';
import { TEST_SECRET } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  type ProcessEnvOptions,
  runCli,
  type ServerProcess,
  startServerProcess,
} from '../support/server-process.js';

/**
 * SPEC §1.1, issue 9 item 4 — a key revoked by the CLI in another process while the server is
 * under load answers 401 once the server's key cache has revalidated it: within KEY_TRUST_MS
 * (1 s) of the revocation. (The in-process version, on an injected clock, is
 * test/multi-instance/key-revocation.test.ts.)
 */
describe('key revocation by the CLI applies to a running server within 1 s', () => {
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

  it('answers 401 to every request made 1 s after `qualify key revoke` returns', async () => {
    const list = () =>
      fetch(`${server!.url}/api/v1/qualification_sessions`, { headers: { 'x-truemed-api-key': apiKey } });
    // Warm: the key has been used many times, as it would be under load.
    for (let i = 0; i < 50; i++) assert.equal((await list()).status, 200);

    await runCli(['key', 'revoke', '--key-prefix', apiKey.slice(0, 16), '--json'], options);
    // A real process on the system clock: the wait is the contract itself, not a timing guess.
    await sleep(KEY_TRUST_MS + 20);
    for (let i = 0; i < 5; i++) {
      const after = await list();
      const body = (await after.json()) as Record<string, unknown>;
      assert.equal(after.status, 401, JSON.stringify(body));
      assert.equal(body.error, 'Unauthorized');
    }
  });
});
