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

const WORKERS = 8;
/** Kill once this many creates have been answered (or after KILL_AFTER_MS, whichever is first). */
const KILL_AFTER_ANSWERS = 120;
const KILL_AFTER_MS = 4_000;

interface Sent {
  key: string;
  body: string;
  /** The id of a 200 answer; undefined when the request died with the server. */
  id?: string;
}

function createBody(key: string): string {
  return JSON.stringify({ idempotency_key: key, user_id: `user-${key}`, order_items: [{ sku: 'SKU-1' }] });
}

async function create(url: string, apiKey: string, body: string): Promise<Response> {
  return fetch(`${url}/api/v1/qualification_session/create`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-truemed-api-key': apiKey },
    body,
  });
}

describe('kill -9 of the server during a stream of creates (SPEC §4.3)', () => {
  let testDatabase: TestDatabase;
  let options: ProcessEnvOptions;
  let apiKey: string;
  let server: ServerProcess | undefined;
  // Warn level: no log line per request under the stream of creates.
  const startServer = () => startServerProcess({ ...options, logLevel: 'warn' });

  before(async () => {
    testDatabase = await createTestDatabase();
    options = { databaseUrl: testDatabase.url, secret: TEST_SECRET };
    apiKey = (await runCli<{ api_key: string }>(['channel', 'create', '--name', 'Crash', '--json'], options))
      .api_key;
  });
  after(async () => {
    await server?.stop();
    await testDatabase.drop();
  });

  it('keeps every answered create, and a retry with its key answers the same session', async () => {
    server = await startServer();
    const first = server;
    const sent: Sent[] = [];
    let answered = 0;
    let killed = false;
    let sequence = 0;

    const worker = async () => {
      while (!killed) {
        const key = `crash-${sequence++}`;
        const entry: Sent = { key, body: createBody(key) };
        sent.push(entry);
        try {
          const response = await create(first.url, apiKey, entry.body);
          const text = await response.text();
          assert.equal(response.status, 200, text);
          entry.id = (JSON.parse(text) as { qualification_session_id: string }).qualification_session_id;
          answered += 1;
        } catch (error) {
          if (!killed) throw error;
          // The request died with the server: its outcome is unknown to the client.
        }
      }
    };
    const started = Date.now();
    const killer = (async () => {
      while (answered < KILL_AFTER_ANSWERS && Date.now() - started < KILL_AFTER_MS) {
        await new Promise((r) => setTimeout(r, 5));
      }
      killed = true;
      await first.kill();
    })();
    await Promise.all([killer, ...Array.from({ length: WORKERS }, worker)]);
    assert.equal(first.child.signalCode, 'SIGKILL');
    const acknowledged = sent.filter((s) => s.id !== undefined);
    assert.ok(acknowledged.length > 10, `only ${acknowledged.length} creates answered before the kill`);

    server = await startServer();
    const second = server;
    for (const entry of acknowledged) {
      const got = await fetch(`${second.url}/api/v1/qualification_session/${entry.id}`, {
        headers: { 'x-truemed-api-key': apiKey },
      });
      assert.equal(got.status, 200, `${entry.key} (${entry.id}) lost: ${await got.text()}`);

      const retried = await create(second.url, apiKey, entry.body);
      const text = await retried.text();
      assert.equal(retried.status, 200, text);
      assert.equal(retried.headers.get('idempotent-replayed'), 'true', `${entry.key}: ${text}`);
      assert.equal(JSON.parse(text).qualification_session_id, entry.id, `${entry.key}: ${text}`);
    }

    // Creates that died in flight either committed or not — a retry settles them exactly once.
    for (const entry of sent.filter((s) => s.id === undefined)) {
      const once = await create(second.url, apiKey, entry.body);
      const twice = await create(second.url, apiKey, entry.body);
      const [a, b] = [await once.text(), await twice.text()];
      assert.equal(once.status, 200, a);
      assert.equal(twice.status, 200, b);
      assert.equal(JSON.parse(a).qualification_session_id, JSON.parse(b).qualification_session_id);
      assert.equal(twice.headers.get('idempotent-replayed'), 'true', b);
    }
  });
});
