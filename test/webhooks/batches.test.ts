import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { OutcomeRecorder } from '../../src/webhooks/recorder.js';
import { createHttpSender, type Sender } from '../../src/webhooks/sender.js';
import type { TestChannel } from '../support/app.js';
import {
  addEndpoint,
  approve,
  createSession,
  Receiver,
  type WebhookTestbed,
  webhookTestbed,
} from './support.js';

/**
 * Wraps a sender so that the sends of one batch all return together, once `size` of them have
 * their response: their outcomes then reach the recorder in the same turn and share one write.
 */
function together(send: Sender, size: number, beforeReturn?: (deliveryId: string) => Promise<void>): Sender {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => {
    release = resolve;
  });
  return async (request) => {
    const result = await send(request);
    await beforeReturn?.(JSON.parse(request.body).webhook_delivery_id);
    if (++arrived === size) release();
    await all;
    return result;
  };
}

describe('webhook batches: claims, recording and connections (SPEC §3.4, §4.3)', () => {
  let bed: WebhookTestbed;
  let channel: TestChannel;
  let receiver: Receiver;

  before(async () => {
    bed = await webhookTestbed();
    receiver = await new Receiver().listen();
    // One origin, the outcome chosen by path: /ok answers 200, /fail 500, /gone 410.
    receiver.behaviour = (request) =>
      request.url === '/ok'
        ? { status: 200, body: 'ok' }
        : request.url === '/fail'
          ? { status: 500, body: 'down' }
          : { status: 410, body: 'gone' };
  });
  beforeEach(async () => {
    channel = await bed.t.channel();
  });
  after(async () => {
    await receiver.close();
    await bed.close();
  });

  const at = (path: string) => `http://127.0.0.1:${receiver.port}${path}`;

  it('claims a batch under one lease and gives each delivery its own outcome', async () => {
    const { t, clock } = bed;
    const ok = await addEndpoint(t, channel, { url: at('/ok') });
    const fail = await addEndpoint(t, channel, { url: at('/fail') });
    const gone = await addEndpoint(t, channel, { url: at('/gone') });
    for (let i = 0; i < 2; i++) await approve(t, channel, await createSession(t, channel));

    const leasesInFlight = new Set<string | null>();
    const dispatcher = bed.dispatcher({
      send: together(bed.http.send, 6, async () => {
        const rows = await t.database.db
          .selectFrom('webhook_deliveries')
          .select('lease_owner')
          .where('sales_channel_id', '=', channel.channelId)
          .execute();
        for (const row of rows) leasesInFlight.add(row.lease_owner);
      }),
    });
    assert.equal(await dispatcher.runOnce(), 6);
    assert.equal(leasesInFlight.size, 1, `one claim, one lease: ${[...leasesInFlight].join(', ')}`);

    for (const row of await bed.deliveriesOf(ok.webhook_endpoint_id)) {
      assert.deepEqual([row.status, row.attempt_count, row.last_status_code], ['succeeded', 1, 200]);
      assert.equal(row.lease_owner, null);
    }
    for (const row of await bed.deliveriesOf(fail.webhook_endpoint_id)) {
      assert.deepEqual([row.status, row.attempt_count, row.last_status_code], ['pending', 1, 500]);
      assert.equal(row.next_attempt_at, clock.now() + 30_000, 'first retry 30 s later (no jitter here)');
      const attempts = await t.services.webhookDeliveries.attempts(row.id);
      assert.deepEqual(
        attempts.map((a) => [a.attempt_number, a.status_code, a.response_body]),
        [[1, 500, 'down']],
      );
    }
    const goneRows = await bed.deliveriesOf(gone.webhook_endpoint_id);
    assert.deepEqual(
      goneRows.map((r) => [r.status, r.last_status_code]),
      [
        ['failed', 410],
        ['failed', 410],
      ],
    );
    const endpoint = await t.services.webhookEndpoints.get(null, gone.webhook_endpoint_id);
    assert.notEqual(endpoint.disabled_at, null, 'a 410 in a batch disables its endpoint');
    assert.equal(
      (await t.services.webhookEndpoints.get(null, fail.webhook_endpoint_id)).disabled_at,
      null,
      'only the endpoint that answered 410 is disabled',
    );
  });

  it('records the attempt of a delivery whose lease was lost but leaves the new owner’s row alone', async () => {
    const { t, clock } = bed;
    const endpoints = [];
    for (let i = 0; i < 3; i++) endpoints.push(await addEndpoint(t, channel, { url: at('/ok') }));
    await approve(t, channel, await createSession(t, channel));
    const [stolen] = await bed.deliveriesOf(endpoints[1]!.webhook_endpoint_id);
    const warnings: object[] = [];

    const dispatcher = bed.dispatcher({
      logger: { warn: (object) => warnings.push(object), error: () => {} },
      // While the send is in flight the lease expires and another instance claims the row.
      send: together(bed.http.send, 3, async (deliveryId) => {
        if (deliveryId !== stolen!.id) return;
        await t.database.db
          .updateTable('webhook_deliveries')
          .set({ lease_owner: 'other:1', lease_expires_at: clock.now() + 60_000 })
          .where('id', '=', deliveryId)
          .execute();
      }),
    });
    assert.equal(await dispatcher.runOnce(), 3);

    const [row] = await bed.deliveriesOf(endpoints[1]!.webhook_endpoint_id);
    assert.deepEqual(
      [row!.status, row!.lease_owner, row!.attempt_count],
      ['delivering', 'other:1', 0],
      'the outcome overwrote a lease that was no longer ours',
    );
    const attempts = await t.services.webhookDeliveries.attempts(stolen!.id);
    assert.deepEqual(
      attempts.map((a) => [a.status_code, a.instance_id]),
      [[200, 'test-instance']],
      'the request was made, so the attempt is recorded',
    );
    assert.deepEqual(warnings, [{ delivery: stolen!.id }]);
    for (const endpoint of [endpoints[0]!, endpoints[2]!]) {
      const [other] = await bed.deliveriesOf(endpoint.webhook_endpoint_id);
      assert.deepEqual([other!.status, other!.lease_owner], ['succeeded', null]);
    }
  });

  it('keeps the other records of a write when one of them cannot be written', async () => {
    const { t, clock } = bed;
    const endpoints = [];
    for (let i = 0; i < 3; i++) endpoints.push(await addEndpoint(t, channel, { url: at('/ok') }));
    await approve(t, channel, await createSession(t, channel));
    const now = clock.now();
    const rows = await t.services.repositories.deliveries.claimDue(
      t.database.db,
      t.database.engine,
      now,
      10,
      'rec:1',
      now + 60_000,
    );
    assert.equal(rows.length, 3);
    const recorder = new OutcomeRecorder(t.database, clock, t.services.repositories);
    const finish = (index: number, attemptId: string) =>
      recorder.record({
        row: rows[index]!,
        lease: 'rec:1',
        patch: { status: 'succeeded', attempt_count: 1, completed_at: now, updated_at: now },
        attempt: {
          id: attemptId,
          webhook_delivery_id: rows[index]!.id,
          attempt_number: 1,
          attempted_at: now,
          status_code: 200,
          error: null,
          duration_ms: 1,
          response_body: 'ok',
          instance_id: 'rec',
        },
        disable: false,
      });
    // The second record reuses the first one's attempt id: the shared insert fails, and the
    // recorder falls back to one write per delivery.
    const results = await Promise.allSettled([
      finish(0, 'att_dup'),
      finish(1, 'att_dup'),
      finish(2, 'att_x'),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    const byId = new Map(
      (
        await t.database.db
          .selectFrom('webhook_deliveries')
          .select(['id', 'status'])
          .where('lease_owner', 'is', null)
          .where(
            'id',
            'in',
            rows.map((r) => r.id),
          )
          .execute()
      ).map((r) => [r.id, r.status]),
    );
    assert.equal(byId.get(rows[0]!.id), 'succeeded');
    assert.equal(byId.get(rows[1]!.id), undefined, 'the unwritten one keeps its lease until it expires');
    assert.equal(byId.get(rows[2]!.id), 'succeeded');
  });

  it('reuses keep-alive connections for consecutive sends to one origin', async () => {
    const sockets: unknown[] = [];
    const server = createServer((_req, res) => res.writeHead(204).end());
    server.on('connection', (socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const http = createHttpSender({ allowPrivate: true });
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
      for (let i = 0; i < 10; i++) {
        const result = await http.send({ url, headers: { 'content-type': 'application/json' }, body: '{}' });
        assert.equal(result.statusCode, 204, JSON.stringify(result));
      }
      // A send that follows at once may open a second connection while undici is still releasing
      // the first; after that the two are reused. Without keep-alive this would be 10.
      assert.ok(sockets.length <= 2, `10 sends opened ${sockets.length} connections`);
    } finally {
      await http.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
