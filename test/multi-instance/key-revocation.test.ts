import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { KEY_TRUST_MS } from '../../src/channels/key-cache.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createServices } from '../../src/services.js';
import { createTestApp, json, show, type TestApp, type TestChannel } from '../support/app.js';

// Issue 9 item 4 — each instance caches API key → channel, and a key revoked on one instance is
// refused by every other instance on the same database within 1 s (by each instance's clock).
describe('API key cache across two instances on one database', () => {
  const clockA = new ManualClock();
  const clockB = new ManualClock();
  let a: TestApp;
  let bDatabase: Database;
  let b: FastifyInstance;
  let channel: TestChannel;

  before(async () => {
    a = await createTestApp({ clock: clockA });
    bDatabase = openDatabase(a.config.databaseUrl, { poolSize: 2 });
    b = await buildApp({ services: createServices(a.config, bDatabase, clockB) });
    await b.ready();
    channel = await a.channel();
  });
  after(async () => {
    await b?.close();
    await bDatabase?.close();
    await a?.close();
  });

  const listOn = (app: FastifyInstance, key = channel.apiKey) =>
    app.inject({
      method: 'GET',
      url: '/api/v1/qualification_sessions',
      headers: { 'x-truemed-api-key': key },
    });

  it('is at most 1 s behind a revocation made on another instance', async () => {
    assert.equal(KEY_TRUST_MS, 1000);
    // Both instances have the key cached.
    for (const app of [a.app, b]) {
      const response = await listOn(app);
      assert.equal(response.statusCode, 200, show(response));
    }
    await a.services.channels.revokeKey(channel.apiKey.slice(0, 16));

    // The revoking instance refuses at once.
    const onA = await listOn(a.app);
    assert.equal(onA.statusCode, 401, show(onA));
    assert.equal(json(onA).error, 'Unauthorized', show(onA));

    // The other one may still trust its entry for less than a second…
    clockB.advance(KEY_TRUST_MS - 1);
    const stillCached = await listOn(b);
    assert.equal(stillCached.statusCode, 200, show(stillCached));

    // …and refuses once that second is over, and from then on.
    clockB.advance(1);
    for (let i = 0; i < 3; i++) {
      const onB = await listOn(b);
      assert.equal(onB.statusCode, 401, show(onB));
      assert.equal(json(onB).error, 'Unauthorized', show(onB));
      clockB.advance(KEY_TRUST_MS);
    }
  });

  it('keeps a key that stays active working after its entry is revalidated', async () => {
    const other = await a.channel({ name: 'Other' });
    for (let i = 0; i < 3; i++) {
      const response = await listOn(b, other.apiKey);
      assert.equal(response.statusCode, 200, show(response));
      clockB.advance(KEY_TRUST_MS);
    }
  });

  it('does not trust an entry when the clock goes back', async () => {
    const third = await a.channel({ name: 'Third' });
    const cached = await listOn(b, third.apiKey);
    assert.equal(cached.statusCode, 200, show(cached));
    await a.services.channels.revokeKey(third.apiKey.slice(0, 16));
    clockB.advance(-5_000);
    const response = await listOn(b, third.apiKey);
    assert.equal(response.statusCode, 401, show(response));
  });
});
