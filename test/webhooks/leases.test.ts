import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createWebhookRuntime } from '../../src/webhooks/runtime.js';
import type { TestChannel } from '../support/app.js';
import {
  addEndpoint,
  approve,
  createSession,
  Receiver,
  type WebhookTestbed,
  webhookTestbed,
} from './support.js';

describe('webhook leases, shutdown and wake-up (SPEC §3.4, §4.3)', () => {
  let bed: WebhookTestbed;
  let channel: TestChannel;

  before(async () => {
    bed = await webhookTestbed();
  });
  // A channel per test: an event fans out to every endpoint of its channel.
  beforeEach(async () => {
    channel = await bed.t.channel();
  });
  after(() => bed.close());

  it('releases an in-flight send on stop() and a new dispatcher delivers it with the same id', async () => {
    const { t } = bed;
    const receiver = await new Receiver().listen();
    receiver.behaviour = () => 'hang';
    const endpoint = await addEndpoint(t, channel, { url: receiver.url });
    await approve(t, channel, await createSession(t, channel));
    const first = bed.dispatcher({ instanceId: 'old', shutdownGraceMs: 50 });
    const running = first.runOnce();
    await receiver.waitFor(1);
    assert.equal(first.busy, 1);
    await first.stop();
    assert.equal(await running, 1);
    assert.equal(first.busy, 0);

    let [row] = await bed.deliveriesOf(endpoint.webhook_endpoint_id);
    assert.equal(row!.status, 'pending', 'an interrupted send must go back to the queue');
    assert.equal(row!.lease_owner, null);
    assert.equal(await first.runOnce(), 0, 'a stopped dispatcher claimed work');

    receiver.behaviour = () => ({ status: 200 });
    assert.equal(await bed.dispatcher({ instanceId: 'new' }).runOnce(), 1);
    [row] = await bed.deliveriesOf(endpoint.webhook_endpoint_id);
    assert.equal(row!.status, 'succeeded');
    assert.deepEqual(
      receiver.received.map((r) => JSON.parse(r.body).webhook_delivery_id),
      [row!.id, row!.id],
    );
    const attempts = await t.services.webhookDeliveries.attempts(row!.id);
    assert.deepEqual(
      attempts.map((a) => [a.instance_id, a.error]),
      [
        ['old', 'aborted by shutdown'],
        ['new', null],
      ],
    );
    await t.services.webhookEndpoints.delete(null, endpoint.webhook_endpoint_id);
    await receiver.close();
  });

  it('claims a delivery again once the lease of a dead instance expires', async () => {
    const { t, clock } = bed;
    const receiver = await new Receiver().listen();
    const endpoint = await addEndpoint(t, channel, { url: receiver.url });
    await approve(t, channel, await createSession(t, channel));
    const [queued] = await bed.deliveriesOf(endpoint.webhook_endpoint_id);
    // A dead instance claimed it (the claim committed) and never came back.
    await t.database.db
      .updateTable('webhook_deliveries')
      .set({ status: 'delivering', lease_owner: 'dead:1', lease_expires_at: clock.now() + 60_000 })
      .where('id', '=', queued!.id)
      .execute();
    const dispatcher = bed.dispatcher();
    assert.equal(await dispatcher.runOnce(), 0, 'a live lease was taken over');
    clock.advance(60_000);
    assert.equal(await dispatcher.runOnce(), 1);
    assert.equal((await bed.deliveriesOf(endpoint.webhook_endpoint_id))[0]!.status, 'succeeded');
    assert.equal(receiver.received.length, 1);
    await t.services.webhookEndpoints.delete(null, endpoint.webhook_endpoint_id);
    await receiver.close();
  });

  it('never lets two dispatchers on one outbox send the same delivery (SPEC §4.3)', async () => {
    const { t } = bed;
    const receiver = await new Receiver().listen();
    await addEndpoint(t, channel, { url: receiver.url });
    for (let i = 0; i < 12; i++) await approve(t, channel, await createSession(t, channel));
    // Three at a time each, so both have to take turns at the same queue. One endpoint may hold all
    // three (the fair share would be one of three slots: with both windows contended, a round could
    // then claim a single delivery and ten rounds might not drain the twelve).
    const a = bed.dispatcher({ instanceId: 'a', concurrency: 3, endpointCap: 3 });
    const b = bed.dispatcher({ instanceId: 'b', concurrency: 3, endpointCap: 3 });
    let total = 0;
    const claimedBy = { a: 0, b: 0 };
    for (let round = 0; round < 10 && total < 12; round++) {
      const [x, y] = await Promise.all([a.runOnce(), b.runOnce()]);
      claimedBy.a += x;
      claimedBy.b += y;
      total += x + y;
    }
    assert.equal(total, 12, JSON.stringify(claimedBy));
    assert.ok(claimedBy.a > 0 && claimedBy.b > 0, `both instances worked: ${JSON.stringify(claimedBy)}`);
    const ids = receiver.received.map((r) => JSON.parse(r.body).webhook_delivery_id);
    assert.equal(ids.length, 12);
    assert.equal(new Set(ids).size, 12, 'a delivery was sent twice');
    await receiver.close();
  });

  it('wakes the server-wired dispatcher on commit, with no polling', async () => {
    const { t } = bed;
    const receiver = await new Receiver().listen();
    const endpoint = await addEndpoint(t, channel, { url: receiver.url });
    const runtime = createWebhookRuntime(t.services, { pollMs: 3_600_000, random: () => 0.5 });
    runtime.dispatcher.start();
    try {
      const id = await createSession(t, channel);
      assert.equal((await approve(t, channel, id)).statusCode, 200);
      await receiver.waitFor(1);
      assert.equal(JSON.parse(receiver.received[0]!.body).data.qualification_session_id, id);
    } finally {
      await runtime.stop();
    }
    await t.services.webhookEndpoints.delete(null, endpoint.webhook_endpoint_id);
    await receiver.close();
  });
});
