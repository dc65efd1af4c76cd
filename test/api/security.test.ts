import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, json, show, type TestApp, type TestChannel } from '../support/app.js';

/**
 * The shared security suite (SPEC §1.1): run against EVERY merchant endpoint. A request without
 * a key, with an unknown key or with a revoked key is a 401 that changes nothing; a session of
 * another channel does not exist for the caller (404, never 403).
 */
interface Endpoint {
  name: string;
  method: 'GET' | 'POST';
  /** Path for a session id (endpoints without one ignore it). */
  path: (id: string) => string;
  body?: (n: number) => unknown;
  /** Whether the endpoint addresses one session (and so has the cross-channel case). */
  perSession: boolean;
}

const ENDPOINTS: Endpoint[] = [
  {
    name: 'create',
    method: 'POST',
    path: () => '/api/v1/qualification_session/create',
    body: (n) => ({ idempotency_key: `sec-${n}` }),
    perSession: false,
  },
  {
    name: 'create (alias)',
    method: 'POST',
    path: () => '/api/v1/create_qualification_session',
    body: (n) => ({ idempotency_key: `sec-alias-${n}` }),
    perSession: false,
  },
  { name: 'list', method: 'GET', path: () => '/api/v1/qualification_sessions', perSession: false },
  {
    name: 'retrieve',
    method: 'GET',
    path: (id) => `/api/v1/qualification_session/${id}`,
    perSession: true,
  },
  {
    name: 'update',
    method: 'POST',
    path: (id) => `/api/v1/qualification_session/${id}/update`,
    body: (n) => ({ idempotency_key: `sec-u-${n}`, user_id: 'intruder', metadata: 'intruder' }),
    perSession: true,
  },
  ...(['submit', 'approve', 'reject'] as const).map(
    (action): Endpoint => ({
      name: `test helper ${action}`,
      method: 'POST',
      path: (id) => `/api/v1/test_helpers/qualification_session/${id}/${action}`,
      body: () => ({}),
      perSession: true,
    }),
  ),
];

describe('security suite: every merchant endpoint', () => {
  let t: TestApp;
  let owner: TestChannel;
  let sessionId: string;
  let snapshot: string;
  let n = 0;
  before(async () => {
    t = await createTestApp();
    owner = await t.channel();
    const res = await t.api('POST', '/api/v1/qualification_session/create', {
      key: owner,
      body: { idempotency_key: 'owned', email: 'owner@example.com' },
    });
    assert.equal(res.statusCode, 200, show(res));
    sessionId = json(res).qualification_session_id as string;
    snapshot = res.body;
  });
  after(() => t.close());

  const send = (ep: Endpoint, key: string | undefined, id = sessionId) => {
    const body = ep.body?.(++n);
    return t.api(ep.method, ep.path(id), {
      ...(key === undefined ? {} : { key }),
      ...(body === undefined ? {} : { body }),
    });
  };

  function assertUnauthorized(res: LightMyRequestResponse) {
    assert.equal(res.statusCode, 401, show(res));
    const body = json(res);
    assert.deepEqual(Object.keys(body), ['error', 'message', 'request_id']);
    assert.equal(body.error, 'Unauthorized');
    assert.equal(body.request_id, res.headers['x-request-id']);
    assert.ok(!res.body.includes('owner@example.com'));
  }

  async function assertUnchanged() {
    const res = await t.api('GET', `/api/v1/qualification_session/${sessionId}`, { key: owner });
    assert.equal(res.body, snapshot, 'the session was changed by a refused request');
    const count = await t.database.db
      .selectFrom('qualification_sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1, 'a refused create made a session');
  }

  for (const ep of ENDPOINTS) {
    describe(ep.name, () => {
      it('no key → 401', async () => {
        assertUnauthorized(await send(ep, undefined));
        assertUnauthorized(await send(ep, ''));
        await assertUnchanged();
      });

      it('unknown key → 401 (also one shaped like a real key, and one far too long)', async () => {
        assertUnauthorized(await send(ep, 'qk_test_notarealkeyatall0000000000000000000'));
        assertUnauthorized(await send(ep, `${owner.apiKey}x`));
        assertUnauthorized(await send(ep, owner.apiKey.toUpperCase()));
        assertUnauthorized(await send(ep, 'k'.repeat(5000)));
        await assertUnchanged();
      });

      it('revoked key → 401, while another key of the same channel still works', async () => {
        const channel = await t.channel();
        const second = await t.services.channels.createKey(channel.channelId);
        await t.services.channels.revokeKey(channel.apiKey.slice(0, 16));
        assertUnauthorized(await send(ep, channel.apiKey));
        await assertUnchanged();
        const list = await t.api('GET', '/api/v1/qualification_sessions', { key: second.api_key });
        assert.equal(list.statusCode, 200, show(list));
      });

      if (ep.perSession) {
        it("another channel's session → 404 (never 403), and nothing changes", async () => {
          const intruder = await t.channel();
          const res = await send(ep, intruder.apiKey);
          assert.equal(res.statusCode, 404, show(res));
          assert.equal(json(res).error, 'NotFound');
          assert.ok(!res.body.includes('owner@example.com'));
          await assertUnchanged();
        });
      } else {
        it("never shows another channel's sessions", async () => {
          const intruder = await t.channel();
          const res = await send(ep, intruder.apiKey);
          assert.equal(res.statusCode, 200, show(res));
          assert.ok(!res.body.includes(sessionId), show(res));
          if (ep.method === 'POST') {
            // Clean up the intruder's own session so the count check stays meaningful.
            await t.database.db
              .deleteFrom('qualification_sessions')
              .where('sales_channel_id', '=', intruder.channelId)
              .execute();
          }
          await assertUnchanged();
        });
      }
    });
  }

  it('the key header is read case-insensitively and never echoed back', async () => {
    const res = await t.api('GET', `/api/v1/qualification_session/${sessionId}`, {
      headers: { 'X-Truemed-Api-Key': owner.apiKey },
    });
    assert.equal(res.statusCode, 200, show(res));
    assert.ok(!res.body.includes(owner.apiKey));
    assert.ok(!JSON.stringify(res.headers).includes(owner.apiKey));
  });

  it('every /api/v1 route of the OpenAPI document (webhooks included) refuses a missing or bad key', async () => {
    const doc = json<{ paths: Record<string, Record<string, unknown>> }>(await t.api('GET', '/openapi.json'));
    const routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => ({ path, method: method.toUpperCase() })),
      );
    assert.ok(routes.length >= 13, `only ${routes.length} routes documented`);
    for (const route of routes) {
      const url = route.path.replace(/\{[^}]+\}/g, 'x_1');
      const body = route.method === 'POST' ? { idempotency_key: 'k' } : undefined;
      for (const key of [undefined, 'qk_test_wrong']) {
        const res = await t.api(route.method as 'GET' | 'POST', url, {
          ...(key === undefined ? {} : { key }),
          ...(body === undefined ? {} : { body }),
        });
        assert.equal(res.statusCode, 401, `${route.method} ${route.path}: ${show(res)}`);
        assert.equal(json(res).error, 'Unauthorized', `${route.method} ${route.path}: ${show(res)}`);
      }
    }
  });

  it('the Authorization header is not an alternative to x-truemed-api-key', async () => {
    const res = await t.api('GET', '/api/v1/qualification_sessions', {
      headers: { authorization: `Bearer ${owner.apiKey}` },
    });
    assertUnauthorized(res);
  });
});
