import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/lib/clock.js';
import { createTestApp, json, show, type TestApp, type TestChannel } from '../support/app.js';
import { createSession, formBody } from '../support/shopper.js';

// Issue 13 item 5 — per-IP limits before authentication, with the services' clock.
describe('per-IP rate limits', () => {
  let t: TestApp;
  let channel: TestChannel;
  const clock = new ManualClock();
  before(async () => {
    t = await createTestApp({
      clock,
      env: {
        QUALIFY_UNAUTHENTICATED_LIMIT_PER_MINUTE: '3',
        QUALIFY_SURVEY_LIMIT_PER_MINUTE: '2',
        QUALIFY_VERIFY_LIMIT_PER_MINUTE: '2',
        QUALIFY_SIGN_IN_LIMIT_PER_MINUTE: '3',
      },
    });
    channel = await t.channel();
  });
  after(() => t.close());

  const api = (ip: string, key?: string) =>
    t.app.inject({
      method: 'GET',
      url: '/api/v1/qualification_sessions',
      remoteAddress: ip,
      headers: key === undefined ? {} : { 'x-truemed-api-key': key },
    });

  it('API: failed authentications use up an address’s budget; then 429 with Retry-After and the flat body', async () => {
    const ip = '203.0.113.10';
    for (const key of [undefined, 'qk_test_unknown', 'qk_test_guess']) {
      const refused = await api(ip, key);
      assert.equal(refused.statusCode, 401, show(refused));
    }
    // Even a valid key waits now: the limit is checked before the key is looked up.
    const limited = await api(ip, channel.apiKey);
    assert.equal(limited.statusCode, 429, show(limited));
    assert.equal(limited.headers['retry-after'], '20', show(limited));
    const body = json(limited);
    assert.deepEqual(Object.keys(body).sort(), ['error', 'message', 'request_id']);
    assert.equal(body.error, 'RateLimited');
    assert.equal(body.request_id, limited.headers['x-request-id']);

    const elsewhere = await api('203.0.113.11', 'qk_test_unknown');
    assert.equal(elsewhere.statusCode, 401, 'another address has its own budget');

    clock.advance(20_000);
    const allowed = await api(ip, channel.apiKey);
    assert.equal(allowed.statusCode, 200, show(allowed));
    const again = await api(ip, 'qk_test_unknown');
    assert.equal(again.statusCode, 401, show(again));
    assert.equal((await api(ip, channel.apiKey)).statusCode, 429, 'the failure used the freed slot');
  });

  it('API: requests with a valid key never use up the budget', async () => {
    const ip = '203.0.113.20';
    for (let i = 0; i < 10; i++) {
      const ok = await api(ip, channel.apiKey);
      assert.equal(ok.statusCode, 200, show(ok));
    }
  });

  it('survey posts: a plain HTML 429 page with Retry-After; opening the link is not limited', async () => {
    const session = await createSession(t, channel);
    const post = () =>
      t.app.inject({
        method: 'POST',
        url: `/q/${session.id}`,
        remoteAddress: '198.51.100.7',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: formBody({ t: session.token, action: 'decline' }),
      });
    assert.equal((await post()).statusCode, 200);
    assert.equal((await post()).statusCode, 200);
    const limited = await post();
    assert.equal(limited.statusCode, 429, show(limited));
    assert.match(String(limited.headers['content-type']), /^text\/html/);
    assert.equal(limited.headers['retry-after'], '30');
    assert.match(limited.body, /<h1>Too many requests<\/h1>/);
    assert.match(String(limited.headers['content-security-policy']), /frame-ancestors 'none'/);
    const open = await t.app.inject({ method: 'GET', url: session.path, remoteAddress: '198.51.100.7' });
    assert.equal(open.statusCode, 200, show(open));
  });

  it('letter verification: limited per address', async () => {
    const verify = (ip: string) =>
      t.app.inject({ method: 'GET', url: '/verify/ABCD-EFGH-JK', remoteAddress: ip });
    assert.equal((await verify('192.0.2.1')).statusCode, 404);
    assert.equal((await verify('192.0.2.1')).statusCode, 404);
    const limited = await verify('192.0.2.1');
    assert.equal(limited.statusCode, 429, show(limited));
    assert.match(limited.body, /Too many requests/);
    assert.equal((await verify('192.0.2.2')).statusCode, 404);
  });

  it('console sign-in: the page and the post share one budget per address', async () => {
    const ip = '192.0.2.50';
    const page = () => t.app.inject({ method: 'GET', url: '/console', remoteAddress: ip });
    const attempt = () =>
      t.app.inject({
        method: 'POST',
        url: '/console/sign-in',
        remoteAddress: ip,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: formBody({ _csrf: 'x', email: 'a@example.com', password: 'guess' }),
      });
    assert.equal((await page()).statusCode, 200);
    assert.equal((await attempt()).statusCode, 403);
    assert.equal((await attempt()).statusCode, 403);
    const limited = await attempt();
    assert.equal(limited.statusCode, 429, show(limited));
    assert.equal(limited.headers['retry-after'], '20');
    assert.equal((await page()).statusCode, 429);
    clock.advance(20_000);
    assert.equal((await page()).statusCode, 200);
  });
});

describe('the per-key limit stays', () => {
  it('answers 429 once a key has made its requests of the minute', async () => {
    const t = await createTestApp({ env: { QUALIFY_RATE_LIMIT_PER_MINUTE: '2' } });
    try {
      const channel = await t.channel();
      for (let i = 0; i < 2; i++)
        assert.equal(
          (await t.api('GET', '/api/v1/qualification_sessions', { key: channel })).statusCode,
          200,
        );
      const limited = await t.api('GET', '/api/v1/qualification_sessions', { key: channel });
      assert.equal(limited.statusCode, 429, show(limited));
      assert.equal(json(limited).error, 'RateLimited');
      assert.ok(Number(limited.headers['retry-after']) >= 1, show(limited));
    } finally {
      await t.close();
    }
  });
});
