import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { createHttpSender } from '../../src/webhooks/sender.js';
import { createTestApp, json, show, type TestApp } from '../support/app.js';
import {
  addEndpoint,
  approve,
  createSession,
  Receiver,
  reject,
  type WebhookTestbed,
  webhookTestbed,
} from './support.js';

describe('webhook endpoints API, fan-out and isolation (SPEC §3.1, §3.2)', () => {
  let bed: WebhookTestbed;
  const receiverA = new Receiver();
  const receiverB = new Receiver();

  before(async () => {
    bed = await webhookTestbed();
    await receiverA.listen();
    await receiverB.listen();
  });
  after(async () => {
    await receiverA.close();
    await receiverB.close();
    await bed.close();
  });

  it('creates, lists (without secrets) and deletes endpoints, scoped to the key’s channel', async () => {
    const { t } = bed;
    const mine = await t.channel();
    const other = await t.channel();
    const created = await t.api('POST', '/api/v1/webhook_endpoints', {
      key: mine,
      body: { url: receiverA.url },
    });
    assert.equal(created.statusCode, 200, show(created));
    const body = json(created);
    assert.match(body.webhook_endpoint_id as string, /^we_/);
    assert.equal(body.url, receiverA.url);
    assert.equal(body.mode, 'signed');
    assert.deepEqual(body.events, ['qualification_session.complete']);
    assert.equal(body.enabled, true);
    assert.match(body.secret as string, /^whsec_/);

    const listed = await t.api('GET', '/api/v1/webhook_endpoints', { key: mine });
    assert.equal(listed.statusCode, 200, show(listed));
    const list = json<{ webhook_endpoints: Array<Record<string, unknown>> }>(listed).webhook_endpoints;
    assert.equal(list.length, 1);
    assert.equal(list[0]!.webhook_endpoint_id, body.webhook_endpoint_id);
    assert.ok(!('secret' in list[0]!), 'list leaks the secret');
    assert.ok(!listed.body.includes(body.secret as string));

    const foreignList = json<{ webhook_endpoints: unknown[] }>(
      await t.api('GET', '/api/v1/webhook_endpoints', { key: other }),
    );
    assert.deepEqual(foreignList.webhook_endpoints, []);
    const path = `/api/v1/webhook_endpoints/${body.webhook_endpoint_id}`;
    for (const action of ['delete', 'rotate_secret']) {
      const foreign = await t.api('POST', `${path}/${action}`, { key: other });
      assert.equal(foreign.statusCode, 404, show(foreign));
      assert.equal(json(foreign).error, 'NotFound');
    }
    const noKey = await t.api('GET', '/api/v1/webhook_endpoints');
    assert.equal(noKey.statusCode, 401, show(noKey));
    const wrongMethod = await t.api('GET', `${path}/delete`, { key: mine });
    assert.equal(wrongMethod.statusCode, 405, show(wrongMethod));

    const deleted = await t.api('POST', `${path}/delete`, { key: mine });
    assert.equal(deleted.statusCode, 200, show(deleted));
    assert.deepEqual(json(deleted), { webhook_endpoint_id: body.webhook_endpoint_id, deleted: true });
    const again = await t.api('POST', `${path}/delete`, { key: mine });
    assert.equal(again.statusCode, 404, show(again));
    assert.deepEqual(
      json<{ webhook_endpoints: unknown[] }>(await t.api('GET', '/api/v1/webhook_endpoints', { key: mine }))
        .webhook_endpoints,
      [],
    );
  });

  it('rejects invalid endpoint bodies with a ValidationError naming the field', async () => {
    const { t } = bed;
    const channel = await t.channel();
    const cases: Array<[unknown, RegExp]> = [
      [{}, /url/],
      [{ url: 'ftp://example.com/x' }, /url/],
      [{ url: 'not a url' }, /url/],
      [{ url: `https://example.com/${'a'.repeat(2100)}` }, /url/],
      [{ url: 'https://example.com', mode: 'loud' }, /mode/],
      [{ url: 'https://example.com', events: ['qualification_session.nope'] }, /events/],
      [{ url: 'https://example.com', events: [] }, /events/],
      [{ url: 'https://example.com', secret: 'mine' }, /secret/],
    ];
    for (const [body, message] of cases) {
      const res = await t.api('POST', '/api/v1/webhook_endpoints', { key: channel, body });
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)} → ${show(res)}`);
      assert.equal(json(res).error, 'ValidationError');
      assert.match(json(res).message as string, message, show(res));
    }
  });

  it('sends each channel’s events to its own endpoints only', async () => {
    const { t } = bed;
    const a = await t.channel();
    const b = await t.channel();
    await addEndpoint(t, a, { url: receiverA.url });
    await addEndpoint(t, b, { url: receiverB.url });
    const sa = await createSession(t, a);
    const sb = await createSession(t, b);
    await approve(t, a, sa);
    await reject(t, b, sb);
    await bed.dispatcher().runOnce();
    const sessionsOf = (r: Receiver) =>
      r.received.map((x) => JSON.parse(x.body).data.qualification_session_id);
    assert.deepEqual(sessionsOf(receiverA), [sa]);
    assert.deepEqual(sessionsOf(receiverB), [sb]);
    const foreign = await t.api('POST', `/api/v1/test_helpers/qualification_session/${sa}/approve`, {
      key: b,
      body: {},
    });
    assert.equal(foreign.statusCode, 404, show(foreign));
  });

  it('records exactly one complete event per session when approvals and rejections race', async () => {
    const { t } = bed;
    const channel = await t.channel();
    await addEndpoint(t, channel, { url: `${receiverA.url}?one` });
    await addEndpoint(t, channel, { url: `${receiverA.url}?two` });
    const id = await createSession(t, channel);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? approve(t, channel, id) : reject(t, channel, id))),
    );
    const statuses = results.map((r) => r.statusCode).sort();
    assert.deepEqual(statuses, [200, 409, 409, 409, 409, 409, 409, 409], results.map(show).join('\n'));
    const events = await t.database.db
      .selectFrom('events')
      .select(['id', 'type'])
      .where('session_id', '=', id)
      .where('type', '=', 'qualification_session.complete')
      .execute();
    assert.equal(events.length, 1);
    const deliveries = await t.services.webhookDeliveries.list({ sessionId: id, limit: 10 });
    assert.equal(deliveries.length, 2, 'one delivery per endpoint');
    const before = receiverA.received.length;
    await bed.dispatcher().runOnce();
    const got = receiverA.received.slice(before);
    assert.deepEqual(got.map((r) => r.url).sort(), ['/hooks?one', '/hooks?two']);
  });
});

describe('SSRF guard (SPEC §3.4)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { QUALIFY_ALLOW_PRIVATE_WEBHOOKS: 'false' } });
  });
  after(() => t.close());

  it('refuses loopback, private, link-local and metadata URLs at creation', async () => {
    const channel = await t.channel();
    for (const url of [
      'http://127.0.0.1:9/x',
      'http://localhost:9/x',
      'http://10.1.2.3/x',
      'http://192.168.0.10/x',
      'http://172.20.0.1/x',
      'http://100.64.0.1/x',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/x',
      'http://[fd00:ec2::254]/x',
      'http://[::ffff:127.0.0.1]/x',
      'http://0.0.0.0/x',
    ]) {
      const res = await t.api('POST', '/api/v1/webhook_endpoints', { key: channel, body: { url } });
      assert.equal(res.statusCode, 400, `${url} → ${show(res)}`);
      assert.match(json(res).message as string, /not allowed/);
    }
    const ok = await t.api('POST', '/api/v1/webhook_endpoints', {
      key: channel,
      body: { url: 'https://93.184.215.14/hooks' },
    });
    assert.equal(ok.statusCode, 200, show(ok));
  });

  it('refuses at connect time a host that resolves to a loopback address', async () => {
    const bed = await webhookTestbed();
    const receiver = await new Receiver().listen();
    const guarded = createHttpSender({ allowPrivate: false, timeoutMs: 5_000 });
    try {
      const channel = await bed.t.channel();
      // Created while private webhooks were allowed (or before the name was re-pointed).
      const endpoint = await addEndpoint(bed.t, channel, { url: `http://localhost:${receiver.port}/hooks` });
      await approve(bed.t, channel, await createSession(bed.t, channel));
      const dispatcher = new WebhookDispatcher({
        database: bed.t.database,
        clock: bed.clock,
        send: guarded.send,
        endpoints: bed.t.services.webhookEndpoints,
        repositories: bed.t.services.repositories,
        random: () => 0.5,
      });
      assert.equal(await dispatcher.runOnce(), 1);
      const [row] = await bed.t.services.webhookDeliveries.list({
        endpointId: endpoint.webhook_endpoint_id,
        limit: 1,
      });
      assert.equal(row!.status, 'pending');
      // Issue 13 item 1 — blocked reads like refused: no map of the internal network, in the
      // delivery (API, CLI) and in its attempt rows (CLI --attempts).
      assert.equal(row!.last_error, 'connection failed');
      const attempts = await bed.t.services.webhookDeliveries.attempts(row!.id);
      assert.deepEqual(
        attempts.map((a) => [a.error, a.status_code, a.response_body]),
        [['connection failed', null, null]],
      );
      assert.equal(receiver.received.length, 0, 'the guarded sender reached a loopback receiver');
      const literal = await guarded.send({
        url: `http://127.0.0.1:${receiver.port}/`,
        headers: {},
        body: '{}',
      });
      assert.equal(literal.statusCode, null);
      assert.equal(literal.error, 'connection failed');
      assert.match(literal.detail ?? '', /private, loopback/, 'the operator’s log keeps the cause');
      assert.equal(receiver.received.length, 0);
    } finally {
      await guarded.close();
      await receiver.close();
      await bed.close();
    }
  });
});
