import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyWebhook } from 'qualify';
import { json, show, type TestChannel } from '../support/app.js';
import {
  addEndpoint,
  approve,
  createSession,
  Receiver,
  reject,
  specVerify,
  type WebhookTestbed,
  webhookTestbed,
} from './support.js';

// SPEC §3.2 — exactly these payload fields, nothing else (no health information).
const DATA_FIELDS = [
  'qualification_session_id',
  'status',
  'email',
  'expires_at',
  'user_id',
  'source',
  'rejection_reason',
].sort();

describe('webhook wire format (SPEC §3.3)', () => {
  let bed: WebhookTestbed;
  let channel: TestChannel;
  const receiver = new Receiver();

  before(async () => {
    bed = await webhookTestbed();
    channel = await bed.t.channel();
    await receiver.listen();
  });
  after(async () => {
    await receiver.close();
    await bed.close();
  });

  it('signs the envelope so an independent verifier and verifyWebhook accept it, and a tampered body fails', async () => {
    const { t } = bed;
    const endpoint = await addEndpoint(t, channel, { url: receiver.url });
    assert.match(endpoint.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(endpoint.secret.slice(6), 'base64').length, 32);

    const id = await createSession(t, channel, {
      email: 'shopper@example.com',
      user_id: 'u-1',
      source: 'ads',
    });
    const res = await approve(t, channel, id);
    assert.equal(res.statusCode, 200, show(res));
    const before = receiver.received.length;
    assert.equal(await bed.dispatcher().runOnce(), 1);
    const got = receiver.received[before]!;

    assert.equal(got.method, 'POST');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['user-agent'], 'Qualify-Webhooks/1');
    assert.equal(got.headers['x-truemed-api-key'], undefined);
    const header = got.headers['x-truemed-signature'] as string;
    assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.ok(specVerify(got.body, header, endpoint.secret), 'independent verifier rejected the signature');
    assert.ok(verifyWebhook(got.body, header, endpoint.secret), 'verifyWebhook rejected the signature');

    const envelope = JSON.parse(got.body);
    assert.deepEqual(Object.keys(envelope).sort(), [
      'created_at',
      'data',
      'event_type',
      'sequence',
      'webhook_delivery_id',
    ]);
    // Issue 14 item 3 — the test helper's approval is the session's second event (processing, complete).
    assert.equal(envelope.sequence, 2, got.body);
    assert.match(envelope.webhook_delivery_id, /^wd_[0-9a-f-]{36}$/);
    assert.equal(envelope.event_type, 'qualification_session.complete');
    assert.match(envelope.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(Object.keys(envelope.data).sort(), DATA_FIELDS);
    assert.equal(envelope.data.qualification_session_id, id);
    assert.equal(envelope.data.status, 'approved');
    assert.equal(envelope.data.email, 'shopper@example.com');
    assert.equal(envelope.data.user_id, 'u-1');
    assert.equal(envelope.data.source, 'ads');
    assert.equal(envelope.data.rejection_reason, null);
    assert.match(envelope.data.expires_at, /Z$/);

    const tampered = got.body.replace('"approved"', '"rejected"');
    assert.equal(specVerify(tampered, header, endpoint.secret), false);
    assert.equal(verifyWebhook(tampered, header, endpoint.secret), false);
    assert.equal(verifyWebhook(got.body, header, `${endpoint.secret}x`), false, 'wrong secret accepted');
    const stale = Date.now() + 301_000;
    assert.equal(verifyWebhook(got.body, header, endpoint.secret, { now: stale }), false, 'stale t accepted');
    assert.equal(
      verifyWebhook(got.body, header, endpoint.secret, { now: stale, toleranceSeconds: 600 }),
      true,
    );
    assert.equal(verifyWebhook(got.body, undefined, endpoint.secret), false);
    assert.equal(verifyWebhook(got.body, 'garbage', endpoint.secret), false);

    await t.api('POST', `/api/v1/webhook_endpoints/${endpoint.webhook_endpoint_id}/delete`, { key: channel });
  });

  it('sends the flat data with the secret in x-truemed-api-key in unsigned mode', async () => {
    const { t } = bed;
    const endpoint = await addEndpoint(t, channel, { url: receiver.url, mode: 'unsigned' });
    const id = await createSession(t, channel);
    const res = await reject(t, channel, id, 'age_ineligible');
    assert.equal(res.statusCode, 200, show(res));
    const before = receiver.received.length;
    assert.equal(await bed.dispatcher().runOnce(), 1);
    const got = receiver.received[before]!;
    assert.equal(got.headers['x-truemed-api-key'], endpoint.secret);
    assert.equal(got.headers['x-truemed-signature'], undefined);
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['user-agent'], 'Qualify-Webhooks/1');
    const data = JSON.parse(got.body);
    assert.deepEqual(Object.keys(data).sort(), DATA_FIELDS);
    assert.equal(data.qualification_session_id, id);
    assert.equal(data.status, 'rejected');
    assert.equal(data.rejection_reason, 'age_ineligible');
    assert.equal(data.expires_at, null);
    await t.api('POST', `/api/v1/webhook_endpoints/${endpoint.webhook_endpoint_id}/delete`, { key: channel });
  });

  it('delivers processing only to endpoints that opted in, and test events only to their endpoint', async () => {
    const { t } = bed;
    const both = await addEndpoint(t, channel, {
      url: `${receiver.url}?both`,
      events: ['qualification_session.processing', 'qualification_session_complete'],
    });
    const completeOnly = await addEndpoint(t, channel, { url: `${receiver.url}?complete` });
    const id = await createSession(t, channel);
    const submitted = await t.api('POST', `/api/v1/test_helpers/qualification_session/${id}/submit`, {
      key: channel,
      body: {},
    });
    assert.equal(submitted.statusCode, 200, show(submitted));
    const before = receiver.received.length;
    await bed.dispatcher().runOnce();
    const first = receiver.received.slice(before);
    assert.deepEqual(
      first.map((r) => [r.url, JSON.parse(r.body).event_type]),
      [['/hooks?both', 'qualification_session.processing']],
    );

    const listed = json<{ webhook_endpoints: Array<{ webhook_endpoint_id: string; events: string[] }> }>(
      await t.api('GET', '/api/v1/webhook_endpoints', { key: channel }),
    );
    assert.deepEqual(
      listed.webhook_endpoints.find((e) => e.webhook_endpoint_id === both.webhook_endpoint_id)?.events,
      ['qualification_session.processing', 'qualification_session.complete'],
    );

    // The test event over the API (extension): this endpoint only, and only for its own channel.
    const other = await t.channel();
    const foreign = await t.api(
      'POST',
      `/api/v1/webhook_endpoints/${completeOnly.webhook_endpoint_id}/test`,
      {
        key: other,
      },
    );
    assert.equal(foreign.statusCode, 404, show(foreign));
    assert.equal(json(foreign).error, 'NotFound', show(foreign));
    const sent = await t.api('POST', `/api/v1/webhook_endpoints/${completeOnly.webhook_endpoint_id}/test`, {
      key: channel,
    });
    assert.equal(sent.statusCode, 200, show(sent));
    const queued = json<{ webhook_delivery_id: string; webhook_endpoint_id: string }>(sent);
    assert.equal(queued.webhook_endpoint_id, completeOnly.webhook_endpoint_id, show(sent));
    assert.match(queued.webhook_delivery_id, /^wd_/, show(sent));
    const mark = receiver.received.length;
    await bed.dispatcher().runOnce();
    const tests = receiver.received.slice(mark);
    assert.equal(tests.length, 1);
    assert.equal(tests[0]!.url, '/hooks?complete');
    const envelope = JSON.parse(tests[0]!.body);
    assert.equal(envelope.event_type, 'webhook_endpoint.test');
    assert.equal(envelope.webhook_delivery_id, queued.webhook_delivery_id);
    assert.equal(envelope.data.webhook_endpoint_id, completeOnly.webhook_endpoint_id);
    for (const e of [both, completeOnly])
      await t.api('POST', `/api/v1/webhook_endpoints/${e.webhook_endpoint_id}/delete`, { key: channel });
  });

  it('signs with both secrets for 24 h after a rotation, then with the new one only', async () => {
    const { t, clock } = bed;
    const endpoint = await addEndpoint(t, channel, { url: receiver.url });
    const rotated = await t.api(
      'POST',
      `/api/v1/webhook_endpoints/${endpoint.webhook_endpoint_id}/rotate_secret`,
      {
        key: channel,
      },
    );
    assert.equal(rotated.statusCode, 200, show(rotated));
    const fresh = json<{ secret: string }>(rotated).secret;
    assert.notEqual(fresh, endpoint.secret);

    await t.services.webhookEndpoints.sendTest(null, endpoint.webhook_endpoint_id);
    let mark = receiver.received.length;
    await bed.dispatcher().runOnce();
    let header = receiver.received[mark]!.headers['x-truemed-signature'] as string;
    assert.equal(header.match(/v1=/g)?.length, 2, header);
    assert.ok(
      specVerify(receiver.received[mark]!.body, header, endpoint.secret),
      'old secret no longer verifies',
    );
    assert.ok(specVerify(receiver.received[mark]!.body, header, fresh), 'new secret does not verify');

    clock.advance(24 * 3_600_000 + 1);
    await t.services.webhookEndpoints.sendTest(null, endpoint.webhook_endpoint_id);
    mark = receiver.received.length;
    await bed.dispatcher().runOnce();
    header = receiver.received[mark]!.headers['x-truemed-signature'] as string;
    assert.equal(header.match(/v1=/g)?.length, 1, header);
    assert.ok(specVerify(receiver.received[mark]!.body, header, fresh));
    assert.equal(specVerify(receiver.received[mark]!.body, header, endpoint.secret), false);
    assert.equal(
      verifyWebhook(receiver.received[mark]!.body, header, fresh, { now: clock.now() }),
      true,
      'verifyWebhook with an injected now',
    );
  });

  it('never stores a secret in clear text', async () => {
    const { t } = bed;
    const endpoint = await addEndpoint(t, channel, { url: receiver.url });
    const rows = await t.database.db
      .selectFrom('webhook_endpoint_secrets')
      .select('secret')
      .where('webhook_endpoint_id', '=', endpoint.webhook_endpoint_id)
      .execute();
    assert.equal(rows.length, 1);
    assert.ok(!rows[0]!.secret.includes(endpoint.secret.slice(6, 20)), 'secret stored in clear');
  });
});
