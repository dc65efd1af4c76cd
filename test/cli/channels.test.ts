import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { KEY_TRUST_MS } from '../../src/channels/key-cache.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createServices } from '../../src/services.js';
import { json, show, TEST_SECRET, testConfig } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const run = promisify(execFile);
const BIN = new URL('../../bin/qualify.js', import.meta.url).pathname;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `qualify channel|key ...` as an operator types it, against the test's own database. */
describe('qualify channel / key commands (SPEC §4.1)', () => {
  let testDatabase: TestDatabase;
  let database: Database;
  let app: FastifyInstance;
  // The app's clock: it moves the app's API-key cache past its trust window after a revocation.
  const clock = new ManualClock(Date.now());

  async function qualify(...args: string[]): Promise<CliResult> {
    try {
      const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
        env: {
          PATH: process.env.PATH ?? '',
          DATABASE_URL: testDatabase.url,
          QUALIFY_SECRET: TEST_SECRET,
          LOG_LEVEL: 'silent',
        },
        timeout: 60_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }
  async function qualifyJson<T = Record<string, unknown>>(...args: string[]): Promise<T> {
    const result = await qualify(...args);
    assert.equal(result.code, 0, `qualify ${args.join(' ')}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }
  const get = (key: string, url = '/api/v1/qualification_sessions') =>
    app.inject({ method: 'GET', url, headers: { 'x-truemed-api-key': key } });

  before(async () => {
    testDatabase = await createTestDatabase();
    // The CLI migrates the empty database on its first command; the app opens it afterwards.
    await qualifyJson('channel', 'list', '--json');
    const config = testConfig(testDatabase.url);
    database = openDatabase(config.databaseUrl);
    app = await buildApp({ services: createServices(config, database, clock) });
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await database?.close();
    await testDatabase.drop();
  });

  it('channel create --json prints {sales_channel_id, name, livemode, api_key}; the key works', async () => {
    const created = await qualifyJson('channel', 'create', '--name', 'Shop', '--json');
    assert.deepEqual(Object.keys(created).sort(), ['api_key', 'livemode', 'name', 'sales_channel_id']);
    assert.match(created.sales_channel_id as string, /^sc_/);
    assert.equal(created.name, 'Shop');
    assert.equal(created.livemode, false);
    assert.match(created.api_key as string, /^qk_test_[A-Za-z0-9_-]{20,}$/);

    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/qualification_session/create',
      headers: { 'x-truemed-api-key': created.api_key as string, 'content-type': 'application/json' },
      payload: JSON.stringify({ idempotency_key: 'cli-1' }),
    });
    assert.equal(res.statusCode, 200, show(res));
    assert.equal(json(res).livemode, false);
    const helper = await app.inject({
      method: 'POST',
      url: `/api/v1/test_helpers/qualification_session/${json(res).qualification_session_id}/approve`,
      headers: { 'x-truemed-api-key': created.api_key as string },
    });
    assert.equal(helper.statusCode, 200, show(helper));
  });

  it('channel create --live makes a live channel whose key gets 403 from the test helpers', async () => {
    const created = await qualifyJson('channel', 'create', '--name', 'Live shop', '--live', '--json');
    assert.equal(created.livemode, true);
    assert.match(created.api_key as string, /^qk_live_/);
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/qualification_session/create',
      headers: { 'x-truemed-api-key': created.api_key as string, 'content-type': 'application/json' },
      payload: JSON.stringify({ idempotency_key: 'live-1' }),
    });
    assert.equal(json(res).livemode, true, show(res));
    const helper = await app.inject({
      method: 'POST',
      url: `/api/v1/test_helpers/qualification_session/${json(res).qualification_session_id}/submit`,
      headers: { 'x-truemed-api-key': created.api_key as string },
    });
    assert.equal(helper.statusCode, 403, show(helper));
    assert.equal(json(helper).error, 'Forbidden');
  });

  it('channel create without --json prints the key once for a human', async () => {
    const result = await qualify('channel', 'create', '--name', 'Human');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /sales channel sc_\S+ \(test mode\)/);
    assert.match(result.stdout, /API key: qk_test_\S+/);
  });

  it('channel create refuses an empty name, and --name is required', async () => {
    const blank = await qualify('channel', 'create', '--name', '   ', '--json');
    assert.notEqual(blank.code, 0);
    assert.match(blank.stderr, /--name must be 1 to 255 characters/);
    const missing = await qualify('channel', 'create', '--json');
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /--name/);
  });

  it('channel create/settings set what the survey shows about the merchant (issue 10 item 6)', async () => {
    const created = await qualifyJson(
      'channel',
      'create',
      '--name',
      'acme-prod',
      '--display-name',
      'Acme Wellness',
      '--support-email',
      'help@acme.example',
      '--json',
    );
    const id = created.sales_channel_id as string;
    const saved = await qualifyJson(
      'channel',
      'settings',
      '--channel',
      id,
      '--logo-url',
      'https://acme.example/logo.png',
      '--json',
    );
    assert.deepEqual(
      { name: saved.display_name, logo: saved.logo_url, email: saved.support_email },
      { name: 'Acme Wellness', logo: 'https://acme.example/logo.png', email: 'help@acme.example' },
    );
    const session = await app.inject({
      method: 'POST',
      url: '/api/v1/qualification_session/create',
      headers: { 'x-truemed-api-key': created.api_key as string, 'content-type': 'application/json' },
      payload: JSON.stringify({ idempotency_key: 'brand-1' }),
    });
    const link = new URL(json<{ redirect_url: string }>(session).redirect_url);
    const page = await app.inject({ method: 'GET', url: link.pathname + link.search });
    assert.equal(page.statusCode, 200, show(page));
    for (const text of ['Acme Wellness', 'https://acme.example/logo.png', 'help@acme.example'])
      assert.ok(page.body.includes(text), `survey lacks ${text}`);
    const bad = await qualify(
      'channel',
      'settings',
      '--channel',
      id,
      '--logo-url',
      'http://x',
      '--support-email',
      'no',
    );
    assert.notEqual(bad.code, 0);
    assert.match(
      bad.stderr,
      /--logo-url must be an https:\/\/ URL; --support-email must be an email address/,
    );
  });

  it('channel list --json lists the channels with their mode', async () => {
    const created = await qualifyJson('channel', 'create', '--name', 'Listed', '--json');
    const list = await qualifyJson<Array<Record<string, unknown>>>('channel', 'list', '--json');
    const row = list.find((c) => c.sales_channel_id === created.sales_channel_id);
    assert.ok(row, JSON.stringify(list));
    assert.equal(row.name, 'Listed');
    assert.equal(row.livemode, false);
    assert.ok(!JSON.stringify(list).includes(created.api_key as string), 'keys are never listed');
  });

  it('key create adds a second working key; key revoke --key-prefix turns the first into a 401', async () => {
    const created = await qualifyJson('channel', 'create', '--name', 'Rotate', '--json');
    const first = created.api_key as string;
    const second = await qualifyJson(
      'key',
      'create',
      '--channel',
      created.sales_channel_id as string,
      '--json',
    );
    assert.equal(second.sales_channel_id, created.sales_channel_id);
    assert.match(second.api_key as string, /^qk_test_/);
    assert.notEqual(second.api_key, first);
    assert.equal(second.key_prefix, (second.api_key as string).slice(0, 16));

    assert.equal((await get(first)).statusCode, 200);
    assert.equal((await get(second.api_key as string)).statusCode, 200);

    const revoked = await qualifyJson('key', 'revoke', '--key-prefix', first.slice(0, 16), '--json');
    assert.equal(revoked.revoked, true);
    assert.equal(revoked.sales_channel_id, created.sales_channel_id);

    // The CLI is another process: the app refuses the key once its cached entry (≤ 1 s) is stale.
    clock.advance(KEY_TRUST_MS);
    const refused = await get(first);
    assert.equal(refused.statusCode, 401, show(refused));
    assert.equal(json(refused).error, 'Unauthorized');
    const still = await get(second.api_key as string);
    assert.equal(still.statusCode, 200, show(still));

    const again = await qualify('key', 'revoke', '--key-prefix', first.slice(0, 16), '--json');
    assert.notEqual(again.code, 0, 'an already revoked key cannot be revoked again');
    assert.match(again.stderr, /no active key/);
  });

  it('key revoke refuses a prefix that is too short, and key create an unknown channel', async () => {
    const short = await qualify('key', 'revoke', '--key-prefix', 'qk_test', '--json');
    assert.notEqual(short.code, 0);
    assert.match(short.stderr, /at least 10 characters/);
    const unknown = await qualify('key', 'create', '--channel', 'sc_nope', '--json');
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /no sales channel sc_nope/);
  });
});
