import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/lib/clock.js';
import { createWebhookRuntime, type WebhookRuntime } from '../../src/webhooks/runtime.js';
import { createTestApp, json, show, type TestApp, type TestChannel } from '../support/app.js';
import { Receiver } from '../webhooks/support.js';
import { sample } from './sample.js';

describe('webhook metrics (SPEC §4.4): deliveries by outcome and the queue', () => {
  const clock = new ManualClock(Date.parse('2026-11-28T12:00:00.000Z'));
  const receiver = new Receiver();
  let t: TestApp;
  let channel: TestChannel;
  let runtime: WebhookRuntime;

  before(async () => {
    t = await createTestApp({ clock });
    channel = await t.channel();
    await receiver.listen();
    // The production wiring: the runtime reports each outcome to the app's metrics.
    runtime = createWebhookRuntime(t.services, { clock, random: () => 0.5 });
  });
  after(async () => {
    await runtime.stop();
    await receiver.close();
    await t.close();
  });

  async function scrape(): Promise<string> {
    const response = await t.api('GET', '/metrics');
    assert.equal(response.statusCode, 200, show(response));
    return response.body;
  }

  it('counts a failed then a successful attempt, and the queue drains to zero', async () => {
    receiver.behaviour = (_request, index) => (index === 0 ? { status: 503 } : { status: 200 });
    const endpoint = await t.api('POST', '/api/v1/webhook_endpoints', {
      key: channel,
      body: { url: receiver.url },
    });
    assert.equal(endpoint.statusCode, 200, show(endpoint));
    const created = await t.api('POST', '/api/v1/qualification_session/create', {
      key: channel,
      body: { idempotency_key: 'metrics-webhook' },
    });
    const id = json<{ qualification_session_id: string }>(created).qualification_session_id;
    const approved = await t.api('POST', `/api/v1/test_helpers/qualification_session/${id}/approve`, {
      key: channel,
      body: {},
    });
    assert.equal(approved.statusCode, 200, show(approved));

    clock.advance(5_000);
    let text = await scrape();
    assert.equal(sample(text, 'qualify_webhook_queue_depth'), 1);
    assert.equal(sample(text, 'qualify_webhook_queue_oldest_age_seconds'), 5);

    assert.equal(await runtime.dispatcher.runOnce(), 1);
    text = await scrape();
    assert.equal(sample(text, 'qualify_webhook_delivery_attempts_total', { outcome: 'failure' }), 1);
    assert.equal(sample(text, 'qualify_webhook_delivery_attempts_total', { outcome: 'success' }), 0);
    assert.equal(sample(text, 'qualify_webhook_queue_depth'), 1, 'a retry is still queued');

    clock.advance(31_000);
    assert.equal(await runtime.dispatcher.runOnce(), 1);
    text = await scrape();
    assert.equal(sample(text, 'qualify_webhook_delivery_attempts_total', { outcome: 'success' }), 1);
    assert.equal(sample(text, 'qualify_webhook_queue_depth'), 0);
    assert.equal(sample(text, 'qualify_webhook_queue_oldest_age_seconds'), 0);
    assert.equal(receiver.received.length, 2);
  });
});
