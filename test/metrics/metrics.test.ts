import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/lib/clock.js';
import { createTestApp, json, show, type TestApp, type TestChannel } from '../support/app.js';
import { createSession, submitSurvey } from '../support/shopper.js';
import { sample } from './sample.js';

describe('GET /metrics (SPEC §4.4)', () => {
  let t: TestApp;
  let channel: TestChannel;
  const clock = new ManualClock(Date.parse('2026-11-28T12:00:00.000Z'));

  before(async () => {
    t = await createTestApp({ clock });
    channel = await t.channel();
  });
  after(() => t.close());

  async function scrape(): Promise<string> {
    const response = await t.api('GET', '/metrics');
    assert.equal(response.statusCode, 200, show(response));
    assert.match(String(response.headers['content-type']), /^text\/plain/);
    return response.body;
  }

  it('counts requests by route pattern and status, never by raw URL', async () => {
    const created = await t.api('POST', '/api/v1/qualification_session/create', {
      key: channel,
      body: { idempotency_key: 'metrics-1' },
    });
    assert.equal(created.statusCode, 200, show(created));
    const id = json<{ qualification_session_id: string }>(created).qualification_session_id;
    for (let i = 0; i < 3; i++) {
      const got = await t.api('GET', `/api/v1/qualification_session/${id}`, { key: channel });
      assert.equal(got.statusCode, 200, show(got));
    }
    const missing = await t.api('GET', '/api/v1/qualification_session/qs_nope', { key: channel });
    assert.equal(missing.statusCode, 404, show(missing));
    const unauthorized = await t.api('GET', `/api/v1/qualification_session/${id}`);
    assert.equal(unauthorized.statusCode, 401, show(unauthorized));
    await t.api('GET', '/no/such/path');

    const text = await scrape();
    const route = '/api/v1/qualification_session/:qualification_session_id';
    assert.equal(sample(text, 'qualify_http_requests_total', { method: 'GET', route, status: '200' }), 3);
    assert.equal(sample(text, 'qualify_http_requests_total', { method: 'GET', route, status: '404' }), 1);
    assert.equal(sample(text, 'qualify_http_requests_total', { method: 'GET', route, status: '401' }), 1);
    assert.equal(
      sample(text, 'qualify_http_requests_total', {
        method: 'POST',
        route: '/api/v1/qualification_session/create',
        status: '200',
      }),
      1,
    );
    assert.equal(
      sample(text, 'qualify_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }),
      1,
    );
    assert.equal(
      sample(text, 'qualify_http_request_duration_seconds_count', { method: 'GET', route, status: '200' }),
      3,
    );
    assert.equal(
      sample(text, 'qualify_http_request_duration_seconds_bucket', {
        method: 'GET',
        route,
        status: '200',
        le: '+Inf',
      }),
      3,
    );
    assert.ok(!text.includes(id), 'a session id leaked into a label');
    assert.ok(!text.includes('/no/such/path'), 'a raw URL leaked into a label');
  });

  it('reports the review queue depth and the age of its oldest session', async () => {
    const before = await scrape();
    assert.equal(sample(before, 'qualify_review_queue_depth'), 0);
    assert.equal(sample(before, 'qualify_review_queue_oldest_age_seconds'), 0);

    // Issue 11 items 4 and 6 — a test-mode session is never in a live clinician's queue: not counted.
    const sandbox = json<{ qualification_session_id: string }>(
      await t.api('POST', '/api/v1/qualification_session/create', {
        key: channel,
        body: { idempotency_key: 'q-t' },
      }),
    ).qualification_session_id;
    const helper = await t.api('POST', `/api/v1/test_helpers/qualification_session/${sandbox}/submit`, {
      key: channel,
      body: { state: 'CA' },
    });
    assert.equal(helper.statusCode, 200, show(helper));
    const live = await t.channel({ live: true });
    for (let i = 0; i < 2; i++) {
      const session = await createSession(t, live);
      const submitted = await submitSurvey(t, session);
      assert.equal(submitted.statusCode, 200, show(submitted));
      clock.advance(60_000);
    }
    clock.advance(30_000);

    const text = await scrape();
    assert.equal(sample(text, 'qualify_review_queue_depth'), 2);
    // The first was submitted 60 s + 60 s + 30 s ago on the injected clock.
    assert.equal(sample(text, 'qualify_review_queue_oldest_age_seconds'), 150);
  });

  it('exposes webhook delivery counters by outcome, the webhook queue and the process RSS', async () => {
    const text = await scrape();
    for (const outcome of ['success', 'failure', 'failed', 'disabled']) {
      assert.equal(sample(text, 'qualify_webhook_delivery_attempts_total', { outcome }), 0, outcome);
    }
    assert.equal(sample(text, 'qualify_webhook_queue_depth'), 0);
    assert.ok((sample(text, 'qualify_process_resident_memory_bytes') ?? 0) > 10_000_000);
  });

  it('is not part of the OpenAPI document', async () => {
    const doc = json<{ paths: Record<string, unknown> }>(await t.api('GET', '/openapi.json'));
    assert.equal(doc.paths['/metrics'], undefined);
  });
});
