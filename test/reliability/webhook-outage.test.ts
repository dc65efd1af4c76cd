import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { type Database, migrate, openDatabase } from '../../src/db/database.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createServices, type Services } from '../../src/services.js';
import { createWebhookRuntime, type WebhookRuntime } from '../../src/webhooks/runtime.js';
import { testConfig } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { Receiver } from '../webhooks/support.js';

/** One server instance over the shared database: app, services and its dispatcher. */
interface Instance {
  app: FastifyInstance;
  services: Services;
  database: Database;
  runtime: WebhookRuntime;
  stop(): Promise<void>;
}

const SESSIONS = 20;

/**
 * SPEC §3.4 — a receiver that is down for a while, then back: every event is delivered, exactly
 * once with a 2xx (a success ends the retries), none lost; a server restart in the middle of the
 * outage changes nothing. The dispatcher runs on an injected clock, so the 30 s and 2 min retry
 * steps take no real time.
 */
describe('webhook receiver down, server restarted, receiver back', () => {
  const clock = new ManualClock(Date.parse('2026-11-28T12:00:00.000Z'));
  const receiver = new Receiver();
  let testDatabase: TestDatabase;
  let instance: Instance | undefined;

  async function start(): Promise<Instance> {
    const config = testConfig(testDatabase.url);
    const database = openDatabase(config.databaseUrl);
    await migrate(database);
    const services = createServices(config, database, clock);
    const app = await buildApp({ services });
    await app.ready();
    const runtime = createWebhookRuntime(services, { clock, random: () => 0.5 });
    return {
      app,
      services,
      database,
      runtime,
      async stop() {
        await app.close();
        await runtime.stop();
        await database.close();
      },
    };
  }

  async function api(inst: Instance, key: string, url: string, body: unknown) {
    const response = await inst.app.inject({
      method: 'POST',
      url,
      headers: { 'x-truemed-api-key': key, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    assert.equal(response.statusCode, 200, `${url}: ${response.statusCode} ${response.body}`);
    return JSON.parse(response.body) as Record<string, string>;
  }

  before(async () => {
    testDatabase = await createTestDatabase();
    await receiver.listen();
  });
  after(async () => {
    await instance?.stop();
    await receiver.close();
    await testDatabase.drop();
  });

  it('delivers every event once the receiver is back, across a restart', async () => {
    instance = await start();
    const { api_key: key } = await instance.services.channels.createChannel('Outage', false);
    await api(instance, key, '/api/v1/webhook_endpoints', { url: receiver.url });
    const port = receiver.port;
    await receiver.close(); // down: connections to its port are refused

    const ids: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const created = await api(instance, key, '/api/v1/qualification_session/create', {
        idempotency_key: `outage-${i}`,
      });
      ids.push(created.qualification_session_id!);
    }
    const finish = (inst: Instance, id: string, i: number) =>
      api(inst, key, `/api/v1/test_helpers/qualification_session/${id}/${i % 2 ? 'approve' : 'reject'}`, {});

    for (const [i, id] of ids.slice(0, SESSIONS / 2).entries()) await finish(instance, id, i);
    assert.equal(await instance.runtime.dispatcher.runOnce(), SESSIONS / 2, 'first attempts are made');

    // Restart in the middle of the outage: a new instance over the same database.
    await instance.stop();
    instance = await start();
    for (const [i, id] of ids.slice(SESSIONS / 2).entries()) await finish(instance, id, i);
    clock.advance(10_000);
    assert.equal(await instance.runtime.dispatcher.runOnce(), SESSIONS / 2, 'new events are attempted');
    assert.equal(receiver.received.length, 0);

    await receiver.listen(port); // back up
    // Walk the retry schedule (30 s, 2 min, ...) until nothing is left to send.
    for (let step = 0; step < 6; step++) {
      clock.advance(130_000);
      while ((await instance.runtime.dispatcher.runOnce()) > 0) {
        // drain everything due at this instant
      }
    }

    const deliveryIds = receiver.received.map((r) => JSON.parse(r.body).webhook_delivery_id as string);
    const sessionIds = receiver.received.map(
      (r) => JSON.parse(r.body).data.qualification_session_id as string,
    );
    assert.equal(new Set(deliveryIds).size, receiver.received.length, 'a delivery succeeded more than once');
    assert.deepEqual([...new Set(sessionIds)].sort(), [...ids].sort(), 'an event was lost');

    const rows = await instance.database.db
      .selectFrom('webhook_deliveries')
      .select(['id', 'status', 'attempt_count'])
      .execute();
    assert.equal(rows.length, SESSIONS);
    for (const row of rows) {
      assert.equal(row.status, 'succeeded', JSON.stringify(row));
      // One refused attempt during the outage, then the successful one.
      assert.equal(row.attempt_count, 2, JSON.stringify(row));
    }
    const attempts = await instance.database.db
      .selectFrom('webhook_attempts')
      .select(['webhook_delivery_id', 'status_code'])
      .execute();
    assert.equal(attempts.length, SESSIONS * 2);
    assert.equal(attempts.filter((a) => a.status_code === 200).length, SESSIONS);
  });
});
