import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { DAY_MS } from '../../src/lib/clock.js';
import { createHttpSender } from '../../src/webhooks/sender.js';
import { json, show, type TestChannel } from '../support/app.js';
import {
  addEndpoint,
  approve,
  createSession,
  Receiver,
  type WebhookTestbed,
  webhookTestbed,
} from './support.js';

const SCHEDULE_S = [30, 120, 600, 1800, 3600, 7200, 14400, 28800];

describe('webhook retries and delivery guarantees (SPEC §3.4)', () => {
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

  it('retries a 500 after 30 s with the same delivery id and records every attempt', async () => {
    const { t, clock } = bed;
    const receiver = await new Receiver().listen();
    receiver.behaviour = (_r, i) => (i === 0 ? { status: 500, body: 'x'.repeat(5000) } : { status: 204 });
    const endpoint = await addEndpoint(t, channel, { url: receiver.url });
    await approve(t, channel, await createSession(t, channel));
    const dispatcher = bed.dispatcher();

    assert.equal(await dispatcher.runOnce(), 1);
    let [row] = await bed.deliveriesOf(endpoint.webhook_endpoint_id);
    assert.equal(row!.status, 'pending');
    assert.equal(row!.last_status_code, 500);
    assert.equal(row!.next_attempt_at, clock.now() + 30_000, 'first retry is 30 s later (jitter 0 here)');

    clock.advance(29_999);
    assert.equal(await dispatcher.runOnce(), 0, 'retried before its time');
    clock.advance(1);
    assert.equal(await dispatcher.runOnce(), 1);

    [row] = await bed.deliveriesOf(endpoint.webhook_endpoint_id);
    assert.equal(row!.status, 'succeeded');
    assert.equal(row!.attempt_count, 2);
    assert.equal(receiver.received.length, 2);
    const ids = receiver.received.map((r) => JSON.parse(r.body).webhook_delivery_id);
    assert.deepEqual(ids, [row!.id, row!.id], 'delivery id changed between retries');

    const attempts = await t.services.webhookDeliveries.attempts(row!.id);
    assert.deepEqual(
      attempts.map((a) => [a.attempt_number, a.status_code]),
      [
        [1, 500],
        [2, 204],
      ],
    );
    assert.equal(attempts[0]!.response_body?.length, 1024, 'first 1 KiB of the response is kept');
    assert.ok(attempts.every((a) => a.duration_ms >= 0 && a.instance_id === 'test-instance'));
    await receiver.close();
  });

  it('retries a refused connection and delivers once the receiver is back, exactly once per endpoint', async () => {
    const { t, clock } = bed;
    const first = await new Receiver().listen();
    const second = await new Receiver().listen();
    const a = await addEndpoint(t, channel, { url: first.url });
    const b = await addEndpoint(t, channel, { url: second.url });
    const portA = first.port;
    await first.close(); // down: connections to it are refused

    const sessions = [];
    for (let i = 0; i < 3; i++) {
      const id = await createSession(t, channel);
      assert.equal((await approve(t, channel, id)).statusCode, 200);
      sessions.push(id);
    }
    const dispatcher = bed.dispatcher();
    assert.equal(await dispatcher.runOnce(), 6);
    const down = await bed.deliveriesOf(a.webhook_endpoint_id);
    assert.equal(down.length, 3);
    for (const row of down) {
      assert.equal(row.status, 'pending');
      assert.equal(row.last_status_code, null);
      // Issue 13 item 1 — a refused connection reads like any other failure to connect.
      assert.equal(row.last_error, 'connection failed');
    }
    assert.equal(second.received.length, 3);

    const up = await new Receiver().listen(portA);
    clock.advance(30_000);
    assert.equal(await dispatcher.runOnce(), 3);
    clock.advance(DAY_MS * 8);
    assert.equal(await dispatcher.runOnce(), 0, 'something was sent again after success');

    for (const receiver of [up, second]) {
      const got = receiver.received.map((r) => JSON.parse(r.body));
      assert.deepEqual(got.map((e) => e.data.qualification_session_id).sort(), [...sessions].sort());
      assert.equal(new Set(got.map((e) => e.webhook_delivery_id)).size, 3);
    }
    const after = await bed.deliveriesOf(a.webhook_endpoint_id);
    assert.deepEqual(
      after.map((r) => r.id).sort(),
      down.map((r) => r.id).sort(),
      'ids are stable across the outage',
    );
    assert.ok(after.every((r) => r.status === 'succeeded' && r.attempt_count === 2));
    assert.deepEqual(
      up.received.map((r) => JSON.parse(r.body).webhook_delivery_id).sort(),
      after.map((r) => r.id).sort(),
    );
    for (const e of [a, b]) await t.services.webhookEndpoints.delete(null, e.webhook_endpoint_id);
    await up.close();
    await second.close();
  });

  it('follows the retry schedule until 7 days after the event, then fails', async () => {
    const { t, clock } = bed;
    const receiver = await new Receiver().listen();
    receiver.behaviour = () => ({ status: 503 });
    const endpoint = await addEndpoint(t, channel, { url: receiver.url });
    await approve(t, channel, await createSession(t, channel));
    const start = clock.now();
    const dispatcher = bed.dispatcher();
    const delays: number[] = [];
    let last = start;
    for (let i = 0; i < 40; i++) {
      assert.equal(await dispatcher.runOnce(), 1);
      const [row] = await bed.deliveriesOf(endpoint.webhook_endpoint_id);
      if (row!.status === 'failed') break;
      assert.equal(row!.status, 'pending');
      delays.push((row!.next_attempt_at! - last) / 1000);
      last = row!.next_attempt_at!;
      clock.set(last);
    }
    const [row] = await bed.deliveriesOf(endpoint.webhook_endpoint_id);
    assert.equal(row!.status, 'failed', show({ statusCode: 0, body: JSON.stringify(row) } as never));
    assert.deepEqual(delays.slice(0, 8), SCHEDULE_S);
    assert.ok(
      delays.slice(8).every((d) => d === 12 * 3600),
      `then every 12 h: ${delays}`,
    );
    assert.ok(last - start <= 7 * DAY_MS && last - start > 6.5 * DAY_MS, 'last attempt within the 7 days');
    assert.equal(receiver.received.length, delays.length + 1);
    assert.equal(new Set(receiver.received.map((r) => JSON.parse(r.body).webhook_delivery_id)).size, 1);
    clock.advance(DAY_MS);
    assert.equal(await dispatcher.runOnce(), 0, 'a failed delivery was tried again');
    await t.services.webhookEndpoints.delete(null, endpoint.webhook_endpoint_id);
    await receiver.close();
  });

  it('does not follow redirects and gives up on a receiver that does not answer in time', async () => {
    const { t } = bed;
    const target = await new Receiver().listen();
    const redirecting = await new Receiver().listen();
    redirecting.behaviour = () => ({ status: 307, headers: { location: target.url } });
    const endpoint = await addEndpoint(t, channel, { url: redirecting.url });
    await approve(t, channel, await createSession(t, channel));
    await bed.dispatcher().runOnce();
    const [row] = await bed.deliveriesOf(endpoint.webhook_endpoint_id);
    assert.equal(row!.status, 'pending');
    assert.equal(row!.last_status_code, 307);
    assert.equal(redirecting.received.length, 1);
    assert.equal(target.received.length, 0, 'a redirect was followed');
    await t.services.webhookEndpoints.delete(null, endpoint.webhook_endpoint_id);

    const silent = await new Receiver().listen();
    silent.behaviour = () => 'hang';
    const quick = createHttpSender({ allowPrivate: true, timeoutMs: 200 });
    const result = await quick.send({ url: silent.url, headers: {}, body: '{}' });
    await quick.close();
    assert.equal(result.statusCode, null);
    assert.match(result.error ?? '', /timeout/);
    for (const r of [target, redirecting, silent]) await r.close();
  });

  it('honours Retry-After on 429', async () => {
    const { t, clock } = bed;
    const receiver = await new Receiver().listen();
    receiver.behaviour = (_r, i) =>
      i === 0 ? { status: 429, headers: { 'retry-after': '120' } } : { status: 200 };
    const endpoint = await addEndpoint(t, channel, { url: receiver.url });
    await approve(t, channel, await createSession(t, channel));
    const dispatcher = bed.dispatcher();
    await dispatcher.runOnce();
    const [row] = await bed.deliveriesOf(endpoint.webhook_endpoint_id);
    assert.equal(row!.next_attempt_at, clock.now() + 120_000);
    clock.advance(119_000);
    assert.equal(await dispatcher.runOnce(), 0);
    clock.advance(1_000);
    assert.equal(await dispatcher.runOnce(), 1);
    assert.equal((await bed.deliveriesOf(endpoint.webhook_endpoint_id))[0]!.status, 'succeeded');
    await t.services.webhookEndpoints.delete(null, endpoint.webhook_endpoint_id);
    await receiver.close();
  });

  it('disables the endpoint on 410 Gone and fails what was queued for it', async () => {
    const { t, clock } = bed;
    const receiver = await new Receiver().listen();
    receiver.behaviour = () => ({ status: 410 });
    const endpoint = await addEndpoint(t, channel, { url: receiver.url });
    await approve(t, channel, await createSession(t, channel));
    await approve(t, channel, await createSession(t, channel));
    const dispatcher = bed.dispatcher();
    // Only the first is let through: the second is still queued when the 410 arrives.
    const one = await t.services.webhookDeliveries.list({
      endpointId: endpoint.webhook_endpoint_id,
      limit: 10,
    });
    await t.database.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: clock.now() + 1000 })
      .where('id', '=', one[0]!.id)
      .execute();
    assert.equal(await dispatcher.runOnce(), 1);
    assert.equal(receiver.received.length, 1);

    const listed = json<{
      webhook_endpoints: Array<{ webhook_endpoint_id: string; enabled: boolean; disabled_reason: string }>;
    }>(await t.api('GET', '/api/v1/webhook_endpoints', { key: channel })).webhook_endpoints.find(
      (e) => e.webhook_endpoint_id === endpoint.webhook_endpoint_id,
    );
    assert.equal(listed?.enabled, false);
    assert.match(listed?.disabled_reason ?? '', /410/);
    const rows = await bed.deliveriesOf(endpoint.webhook_endpoint_id);
    assert.deepEqual(
      rows.map((r) => r.status),
      ['failed', 'failed'],
    );

    await approve(t, channel, await createSession(t, channel));
    clock.advance(60_000);
    assert.equal(await dispatcher.runOnce(), 0);
    assert.equal(
      (await bed.deliveriesOf(endpoint.webhook_endpoint_id)).length,
      2,
      'a disabled endpoint got a new delivery',
    );
    assert.equal(receiver.received.length, 1);

    const redeliver = await t.api('POST', `/api/v1/webhook_deliveries/${rows[0]!.id}/redeliver`, {
      key: channel,
    });
    assert.equal(redeliver.statusCode, 400, show(redeliver));
    assert.match(json(redeliver).message as string, /disabled/);
    await receiver.close();
  });

  it('redelivers over the API with the same id, and not another channel’s delivery', async () => {
    const { t } = bed;
    const receiver = await new Receiver().listen();
    const endpoint = await addEndpoint(t, channel, { url: receiver.url });
    await approve(t, channel, await createSession(t, channel));
    const dispatcher = bed.dispatcher();
    await dispatcher.runOnce();
    const [row] = await bed.deliveriesOf(endpoint.webhook_endpoint_id);
    assert.equal(row!.status, 'succeeded');

    const other = await t.channel();
    const foreign = await t.api('POST', `/api/v1/webhook_deliveries/${row!.id}/redeliver`, { key: other });
    assert.equal(foreign.statusCode, 404, show(foreign));
    assert.equal(json(foreign).error, 'NotFound');

    const res = await t.api('POST', `/api/v1/webhook_deliveries/${row!.id}/redeliver`, { key: channel });
    assert.equal(res.statusCode, 200, show(res));
    assert.equal(json(res).status, 'pending');
    assert.equal(json(res).webhook_delivery_id, row!.id);
    assert.equal(await dispatcher.runOnce(), 1);
    assert.deepEqual(
      receiver.received.map((r) => JSON.parse(r.body).webhook_delivery_id),
      [row!.id, row!.id],
    );
    await t.services.webhookEndpoints.delete(null, endpoint.webhook_endpoint_id);
    await receiver.close();
  });
});
