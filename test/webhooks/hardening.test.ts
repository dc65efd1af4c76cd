import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { createTestApp, json, show, type TestApp } from '../support/app.js';
import { runCli } from '../support/server-process.js';
import { addEndpoint, approve, createSession, Receiver, specVerify, webhookTestbed } from './support.js';

// Issue 13 items 1 and 7 — production defaults for webhooks, rotation without overlap, legacy mode.

describe('secret rotation with a chosen overlap (issue 13 item 7)', () => {
  it('overlap_seconds: 0 retires the old secret at once; other values set the overlap; bad ones are 400', async () => {
    const bed = await webhookTestbed();
    const receiver = await new Receiver().listen();
    try {
      const { t, clock } = bed;
      const channel = await t.channel();
      const endpoint = await addEndpoint(t, channel, { url: receiver.url });
      const path = `/api/v1/webhook_endpoints/${endpoint.webhook_endpoint_id}/rotate_secret`;

      for (const body of [
        { overlap_seconds: -1 },
        { overlap_seconds: 604_801 },
        { overlap_seconds: 1.5 },
        { overlap: 0 },
      ]) {
        const bad = await t.api('POST', path, { key: channel, body });
        assert.equal(bad.statusCode, 400, `${JSON.stringify(body)} → ${show(bad)}`);
        assert.equal(json(bad).error, 'ValidationError', show(bad));
      }

      const rotated = await t.api('POST', path, { key: channel, body: { overlap_seconds: 0 } });
      assert.equal(rotated.statusCode, 200, show(rotated));
      const fresh = json<{ secret: string }>(rotated).secret;
      await t.services.webhookEndpoints.sendTest(null, endpoint.webhook_endpoint_id);
      await bed.dispatcher().runOnce();
      const first = receiver.received.at(-1)!;
      const header = first.headers['x-truemed-signature'] as string;
      assert.equal(header.match(/v1=/g)?.length, 1, header);
      assert.ok(specVerify(first.body, header, fresh));
      assert.equal(specVerify(first.body, header, endpoint.secret), false, 'the retired secret still signs');

      const again = await t.api('POST', path, { key: channel, body: { overlap_seconds: 60 } });
      assert.equal(again.statusCode, 200, show(again));
      const newest = json<{ secret: string }>(again).secret;
      await t.services.webhookEndpoints.sendTest(null, endpoint.webhook_endpoint_id);
      await bed.dispatcher().runOnce();
      const both = receiver.received.at(-1)!;
      assert.ok(
        specVerify(both.body, both.headers['x-truemed-signature'] as string, fresh),
        'overlap of 60 s',
      );
      assert.ok(specVerify(both.body, both.headers['x-truemed-signature'] as string, newest));
      clock.advance(61_000);
      await t.services.webhookEndpoints.sendTest(null, endpoint.webhook_endpoint_id);
      await bed.dispatcher().runOnce();
      const after = receiver.received.at(-1)!;
      assert.equal(specVerify(after.body, after.headers['x-truemed-signature'] as string, fresh), false);
    } finally {
      await receiver.close();
      await bed.close();
    }
  });

  it('the CLI takes --overlap 0 and refuses a malformed duration', async () => {
    const t = await createTestApp();
    try {
      const options = { databaseUrl: t.testDatabase.url, secret: t.config.secret.toString('base64') };
      const channel = await t.channel();
      const endpoint = await addEndpoint(t, channel, { url: 'http://127.0.0.1:9/hooks' });
      const rotated = await runCli<{ secret: string; overlap_seconds: number }>(
        ['webhook', 'rotate-secret', endpoint.webhook_endpoint_id, '--overlap', '0', '--json'],
        options,
      );
      assert.equal(rotated.overlap_seconds, 0);
      const active = await t.services.webhookEndpoints.activeSecrets(
        [endpoint.webhook_endpoint_id],
        Date.now(),
      );
      assert.deepEqual(active.get(endpoint.webhook_endpoint_id), [rotated.secret]);
      await assert.rejects(
        runCli(
          ['webhook', 'rotate-secret', endpoint.webhook_endpoint_id, '--overlap', 'soon', '--json'],
          options,
        ),
        /--overlap must be a duration/,
      );
    } finally {
      await t.close();
    }
  });
});

describe('webhooks in production (issue 13 items 1 and 7)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { QUALIFY_ENV: 'production' } });
  });
  after(() => t.close());

  it('requires https and refuses private targets, naming no address', async () => {
    const channel = await t.channel();
    const cases: Array<[string, RegExp]> = [
      ['http://93.184.215.14/hooks', /url must be an https URL/],
      ['https://127.0.0.1/hooks', /url is not allowed: it resolves to a private/],
      ['https://localhost/hooks', /url is not allowed: it resolves to a private/],
      ['https://[64:ff9b::a9fe:a9fe]/latest', /url is not allowed/],
      ['https://[2002:a00:1::]/x', /url is not allowed/],
    ];
    for (const [url, message] of cases) {
      const res = await t.api('POST', '/api/v1/webhook_endpoints', { key: channel, body: { url } });
      assert.equal(res.statusCode, 400, `${url} → ${show(res)}`);
      assert.match(json(res).message as string, message, show(res));
      assert.ok(
        !/127\.0\.0\.1|::1/.test(json(res).message as string),
        `the message names an address: ${show(res)}`,
      );
    }
    const ok = await t.api('POST', '/api/v1/webhook_endpoints', {
      key: channel,
      body: { url: 'https://93.184.215.14/hooks' },
    });
    assert.equal(ok.statusCode, 200, show(ok));
    assert.equal(json(ok).legacy, false);
  });

  it('refuses an unsigned endpoint unless it is marked legacy', async () => {
    const channel = await t.channel();
    const url = 'https://93.184.215.14/legacy';
    const refused = await t.api('POST', '/api/v1/webhook_endpoints', {
      key: channel,
      body: { url, mode: 'unsigned' },
    });
    assert.equal(refused.statusCode, 400, show(refused));
    assert.match(
      json(refused).message as string,
      /refused in production unless the endpoint is marked legacy/,
    );
    const signedLegacy = await t.api('POST', '/api/v1/webhook_endpoints', {
      key: channel,
      body: { url, legacy: true },
    });
    assert.equal(signedLegacy.statusCode, 400, show(signedLegacy));
    const marked = await t.api('POST', '/api/v1/webhook_endpoints', {
      key: channel,
      body: { url, mode: 'unsigned', legacy: true },
    });
    assert.equal(marked.statusCode, 200, show(marked));
    assert.equal(json(marked).mode, 'unsigned');
    assert.equal(json(marked).legacy, true);
  });
});

describe('unsigned deliveries in production (issue 13 item 7)', () => {
  it('sends nothing to an unmarked unsigned endpoint until the operator marks it legacy; then the wire format is unchanged', async () => {
    const bed = await webhookTestbed();
    const receiver = await new Receiver().listen();
    try {
      const { t, clock } = bed;
      const channel = await t.channel();
      // Made outside production, then served by a production instance.
      const endpoint = await addEndpoint(t, channel, { url: receiver.url, mode: 'unsigned' });
      const id = await createSession(t, channel);
      assert.equal((await approve(t, channel, id)).statusCode, 200);
      const production = new WebhookDispatcher({
        database: t.database,
        clock,
        send: bed.http.send,
        endpoints: t.services.webhookEndpoints,
        repositories: t.services.repositories,
        random: () => 0.5,
        unsignedNeedsLegacyMark: true,
      });
      assert.equal(await production.runOnce(), 1);
      assert.equal(receiver.received.length, 0, 'an unmarked unsigned endpoint was sent to');
      const [refused] = await bed.deliveriesOf(endpoint.webhook_endpoint_id);
      assert.equal(refused!.status, 'pending', 'retried on the schedule, not dropped');
      assert.match(refused!.last_error ?? '', /unsigned delivery refused in production/);

      const marked = await runCli<{ legacy: boolean }>(
        ['webhook', 'mark-legacy', endpoint.webhook_endpoint_id, '--json'],
        {
          databaseUrl: t.testDatabase.url,
          secret: t.config.secret.toString('base64'),
        },
      );
      assert.equal(marked.legacy, true);
      clock.advance(31_000);
      assert.equal(await production.runOnce(), 1);
      assert.equal(receiver.received.length, 1);
      const got = receiver.received[0]!;
      assert.equal(got.headers['x-truemed-api-key'], endpoint.secret);
      assert.equal(got.headers['x-truemed-signature'], undefined);
      assert.equal(JSON.parse(got.body).qualification_session_id, id);
      await production.stop();
    } finally {
      await receiver.close();
      await bed.close();
    }
  });
});
