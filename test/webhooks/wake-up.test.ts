import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Database, openDatabase } from '../../src/db/database.js';
import { Notifications } from '../../src/db/notifications.js';
import { transact } from '../../src/db/transaction.js';
import { createServices, type Services } from '../../src/services.js';
import { createWebhookRuntime, type WebhookRuntime } from '../../src/webhooks/runtime.js';
import { createTestApp, show, type TestApp, type TestChannel } from '../support/app.js';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from '../support/database.js';
import { addEndpoint, approve, createSession, Receiver } from './support.js';

// Issue 9 item 5 — a committed event wakes the dispatcher of every instance on the database
// (PostgreSQL LISTEN/NOTIFY through `db/notifications.ts`); on SQLite the signal stays in-process.

/** Resolves when `condition` holds; rejects after `ms` with `what` (a deadline, not a speed goal). */
async function until(what: string, ms: number, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe(`notifications (${TEST_ENGINE})`, () => {
  let testDatabase: TestDatabase;
  let a: Database;
  let b: Database;
  const closing: Array<() => Promise<void>> = [];

  before(async () => {
    testDatabase = await createTestDatabase();
    a = openDatabase(testDatabase.url);
    b = openDatabase(testDatabase.url);
  });
  after(async () => {
    for (const close of closing.reverse()) await close();
    await a.close();
    await b.close();
    await testDatabase.drop();
  });

  const notifications = async (database: Database) => {
    const n = new Notifications(database);
    await n.start();
    closing.push(() => n.close());
    return n;
  };

  it('reaches subscribers after the commit, once per transaction, and never for a rollback', async () => {
    const here = await notifications(a);
    const elsewhere = await notifications(b);
    const heard = { here: 0, elsewhere: 0 };
    here.subscribe('events', () => heard.here++);
    elsewhere.subscribe('events', () => heard.elsewhere++);
    assert.equal(here.connected, TEST_ENGINE === 'postgres', 'the listener is up on PostgreSQL only');

    await transact(a, async (tx) => {
      await here.publish(tx, 'events');
      await here.publish(tx, 'events');
      assert.equal(heard.here, 0, 'nothing is heard before the commit');
    });
    assert.equal(heard.here, 1, 'heard in-process right after the commit, once for two publishes');

    await assert.rejects(
      transact(a, async (tx) => {
        await here.publish(tx, 'events');
        throw new Error('roll back');
      }),
      /roll back/,
    );
    // A later committed signal from the same instance is the marker that the rolled-back one
    // would have arrived by now (signals from one connection arrive in commit order).
    await transact(a, (tx) => here.publish(tx, 'events'));
    assert.equal(heard.here, 2, 'the rolled-back publish was not heard in-process');

    if (TEST_ENGINE === 'postgres') {
      await until('the other instance to hear both commits', 10_000, () => heard.elsewhere >= 2);
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(heard.elsewhere, 2, 'the other instance heard each commit once and not the rollback');
      assert.equal(heard.here, 2, 'an instance does not hear its own NOTIFY a second time');
    } else {
      assert.equal(heard.elsewhere, 0, 'SQLite: other handles are not signalled (they poll)');
    }
  });

  it('PostgreSQL: a listener in another schema of the same database hears nothing', async () => {
    const other = await createTestDatabase();
    const otherDb = openDatabase(other.url);
    try {
      const mine = await notifications(a);
      const foreign = new Notifications(otherDb);
      await foreign.start();
      let foreignHeard = 0;
      let mineHeard = 0;
      foreign.subscribe('events', () => foreignHeard++);
      const listener = await notifications(b);
      listener.subscribe('events', () => mineHeard++);
      await transact(a, (tx) => mine.publish(tx, 'events'));
      if (TEST_ENGINE === 'postgres') await until('the same-schema listener', 10_000, () => mineHeard >= 1);
      else assert.equal(mineHeard, 0, 'SQLite: signals stay in the publishing Notifications');
      await foreign.close();
      assert.equal(foreignHeard, 0, 'the other schema heard nothing');
    } finally {
      await otherDb.close();
      await other.drop();
    }
  });
});

describe(`a transition on one instance wakes another instance's dispatcher (${TEST_ENGINE})`, () => {
  let t: TestApp;
  let channel: TestChannel;
  let second: { database: Database; services: Services; webhooks: WebhookRuntime };
  const receiver = new Receiver();

  before(async () => {
    // Instance A: the API, no dispatcher. Instance B: a dispatcher only, whose safety poll is far
    // longer than this test, so only a signal can make it look.
    t = await createTestApp();
    channel = await t.channel();
    await receiver.listen();
    const database = openDatabase(t.config.databaseUrl);
    const services = createServices(t.config, database);
    await services.notifications.start();
    const webhooks = createWebhookRuntime(services, { pollMs: 600_000 });
    webhooks.dispatcher.start();
    second = { database, services, webhooks };
  });
  after(async () => {
    await second.webhooks.stop();
    await second.services.notifications.close();
    await second.database.close();
    await receiver.close();
    await t.close();
  });

  it(
    TEST_ENGINE === 'postgres'
      ? 'PostgreSQL: the other instance delivers without waiting for its poll'
      : 'SQLite: the other instance is not signalled; its poll finds the delivery',
    async () => {
      await addEndpoint(t, channel, { url: receiver.url });
      // B's first look (at start) found nothing; let it settle into its long poll.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const id = await createSession(t, channel);
      const res = await approve(t, channel, id);
      assert.equal(res.statusCode, 200, show(res));
      if (TEST_ENGINE === 'postgres') {
        await until('the delivery from instance B', 10_000, () => receiver.received.length >= 1);
        const envelope = JSON.parse(receiver.received[0]!.body) as {
          data: { qualification_session_id: string };
        };
        assert.equal(envelope.data.qualification_session_id, id, receiver.received[0]!.body);
        // The attempt is recorded just after the receiver answered.
        const [delivery] = await t.services.webhookDeliveries.list({ sessionId: id });
        let attempts = await t.services.webhookDeliveries.attempts(delivery!.id);
        for (let i = 0; i < 500 && attempts.length === 0; i++) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          attempts = await t.services.webhookDeliveries.attempts(delivery!.id);
        }
        assert.equal(
          attempts[0]?.instance_id,
          second.webhooks.dispatcher.instanceId,
          JSON.stringify(attempts),
        );
      } else {
        await new Promise((resolve) => setTimeout(resolve, 300));
        assert.equal(receiver.received.length, 0, 'nothing woke instance B');
        assert.equal(await second.webhooks.dispatcher.runOnce(), 1, 'its poll finds the delivery');
        assert.equal(receiver.received.length, 1);
      }
    },
  );
});
