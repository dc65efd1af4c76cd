import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { ERROR_CODES, statusForCode } from '../../src/lib/errors.js';
import { createTestApp, json, show, type TestApp, type TestChannel } from '../support/app.js';

/**
 * SPEC §1.2 — whatever a client sends, the API answers with a status below 500 and, for an
 * error, the flat `{error, message, request_id}` body; the process keeps serving. Every merchant
 * route is taken from the OpenAPI document, so a new route is fuzzed without editing this file.
 */
const RUNS = 200;
/** The codes a client can provoke: every code of SPEC §1.2 answered below 500. */
const CLIENT_ERROR_CODES = new Set<string>(ERROR_CODES.filter((code) => statusForCode(code) < 500));

interface Route {
  method: 'GET' | 'POST';
  path: string;
}

/** Strings that break naive code: lone surrogates, NUL, RTL override, combining marks, emoji. */
const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.constantFrom(
      '\u0000',
      '\ud800',
      '\udfff',
      '\u202e',
      '\u0301',
      '😀',
      '\uffff',
      '\\',
      '"',
      '%',
      '_',
      'é',
    ),
    maxLength: 40,
  }),
  fc.constantFrom('', ' ', 'null', '__proto__', 'constructor', '../../etc/passwd', '%00', 'qs_'),
);
/** Up to and beyond the 64 KiB body limit. */
const hugeString = fc
  .tuple(fc.constantFrom('a', 'é', '😀', '\u0000', '\ud800'), fc.integer({ min: 1_000, max: 70_000 }))
  .map(([unit, length]) => unit.repeat(Math.ceil(length / unit.length)));
const deepValue = fc
  .tuple(fc.integer({ min: 50, max: 5_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
  );
const anyJson = fc.jsonValue({ maxDepth: 4 });
const wrongTyped = fc.oneof(anyJson, oddString, fc.constant(null), fc.integer(), fc.double(), fc.boolean());

const FIELDS = [
  'idempotency_key',
  'order_items',
  'success_url',
  'failure_url',
  'user_id',
  'email',
  'customer_email',
  'customer_name',
  'source',
  'metadata',
  'validity_days',
  'sku',
  'reason',
  'state',
  'url',
  'events',
  'mode',
];

/** A plausible body (a fresh key) with some fields replaced by wrong types, odd strings or huge values. */
const mutatedBody = fc
  .tuple(
    fc.uuid(),
    fc.dictionary(fc.constantFrom(...FIELDS), fc.oneof(wrongTyped, hugeString), { maxKeys: 5 }),
  )
  .map(([key, fields]) => JSON.stringify({ idempotency_key: key, ...fields }));

const rawBody = fc.oneof(
  mutatedBody,
  anyJson.map((v) => JSON.stringify(v)),
  deepValue,
  oddString,
  hugeString.map((s) => JSON.stringify({ idempotency_key: 'fuzz-huge', metadata: s })),
  fc.constantFrom(
    '',
    '{',
    '{"idempotency_key":',
    'nul',
    '{"__proto__":{"x":1}}',
    '{"constructor":{"prototype":{}}}',
  ),
);

const queryString = fc.oneof(
  fc
    .dictionary(
      fc.oneof(fc.constantFrom('page', 'page_size', 'status', 'user_id', 'expires_at', 'search'), oddString),
      fc.oneof(
        oddString,
        fc.integer().map(String),
        fc.constantFrom('pending,approved', '0', '-1', '1e3', '2026-13-01'),
      ),
      { maxKeys: 4 },
    )
    .map((q) => new URLSearchParams(q).toString()),
  fc.string({ maxLength: 60 }).map((s) => encodeURI(s.replace(/[\ud800-\udfff]/g, ''))),
  fc.constantFrom('page=1&page=2', 'status[]=pending', 'status[a]=b', 'a=%', '%zz', '&&&=&'),
);

describe('property: bad input never yields a 500, a crash or another error shape', () => {
  let t: TestApp;
  let channel: TestChannel;
  let sessionId: string;
  let routes: Route[];

  before(async () => {
    t = await createTestApp();
    channel = await t.channel();
    const created = await t.api('POST', '/api/v1/qualification_session/create', {
      key: channel,
      body: { idempotency_key: 'fuzz-seed' },
    });
    sessionId = json<{ qualification_session_id: string }>(created).qualification_session_id;
    const doc = json<{ paths: Record<string, Record<string, unknown>> }>(await t.api('GET', '/openapi.json'));
    routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => ({ method: method.toUpperCase() as Route['method'], path })),
    );
    assert.ok(routes.length >= 8, `only ${routes.length} routes in the OpenAPI document`);
  });
  after(() => t.close());

  function assertWellFormed(response: LightMyRequestResponse, what: string): void {
    assert.ok(response.statusCode < 500, `${what} → ${show(response)}`);
    if (response.statusCode >= 400) {
      const body = json<Record<string, unknown>>(response);
      assert.deepEqual(
        Object.keys(body).sort(),
        ['error', 'message', 'request_id'],
        `${what} → ${show(response)}`,
      );
      assert.ok(CLIENT_ERROR_CODES.has(body.error as string), `${what} → unknown code ${show(response)}`);
      assert.equal(typeof body.message, 'string');
      assert.equal(body.request_id, response.headers['x-request-id'], `${what} → ${show(response)}`);
    }
  }

  const pathParam = () =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      { weight: 2, arbitrary: oddString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?'))) },
    );
  const fill = (path: string, param: string | null) =>
    path.replace(/\{[^}]+\}/g, param === null || param === '' ? sessionId : param);

  it('random bodies, wrong types, odd and huge strings, deep nesting at every POST route', async () => {
    const posts = routes.filter((r) => r.method === 'POST');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...posts),
        pathParam(),
        rawBody,
        fc.constantFrom(
          'application/json',
          'application/json; charset=utf-8',
          'text/plain',
          'application/x-www-form-urlencoded',
        ),
        fc.constantFrom<'valid' | 'none' | 'bogus'>('valid', 'valid', 'valid', 'none', 'bogus'),
        async (route, param, body, contentType, auth) => {
          const url = fill(route.path, param);
          const headers: Record<string, string> = { 'content-type': contentType };
          if (auth === 'valid') headers['x-truemed-api-key'] = channel.apiKey;
          if (auth === 'bogus') headers['x-truemed-api-key'] = 'qk_test_bogus';
          const response = await t.app.inject({ method: 'POST', url, headers, payload: body });
          assertWellFormed(response, `POST ${url} ${contentType} ${body.slice(0, 120)}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('random query strings and path segments at every GET route', async () => {
    const gets = routes.filter((r) => r.method === 'GET');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...gets), pathParam(), queryString, async (route, param, query) => {
        const url = `${fill(route.path, param)}${query ? `?${query}` : ''}`;
        const response = await t.api('GET', url, { key: channel });
        assertWellFormed(response, `GET ${url}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('random paths and methods under /api/v1', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
        fc.array(
          oddString.map((s) => encodeURIComponent(s.replace(/[\ud800-\udfff]/g, '?'))),
          { maxLength: 4 },
        ),
        async (method, segments) => {
          const url = `/api/v1/${segments.join('/')}`;
          const response = await t.api(method as 'GET', url, { key: channel, body: {} });
          assertWellFormed(response, `${method} ${url}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('rejects a NUL character in a body field, a path segment or a query value as a 400 naming it', async () => {
    const body = await t.api('POST', '/api/v1/qualification_session/create', {
      key: channel,
      body: { idempotency_key: 'nul', order_items: [{ sku: 'a\u0000b' }] },
    });
    assert.equal(body.statusCode, 400, show(body));
    assert.equal(json(body).message, 'order_items.0.sku must not contain NUL characters', show(body));
    const path = await t.api('GET', '/api/v1/qualification_session/qs_%00', { key: channel });
    assert.equal(path.statusCode, 400, show(path));
    assert.equal(json(path).message, 'qualification_session_id must not contain NUL characters', show(path));
    const query = await t.api('GET', '/api/v1/qualification_sessions?search=a%00', { key: channel });
    assert.equal(query.statusCode, 400, show(query));
    assert.equal(json(query).message, 'search must not contain NUL characters', show(query));
    const unauthenticated = await t.api('GET', '/api/v1/qualification_session/qs_%00');
    assert.equal(unauthenticated.statusCode, 401, show(unauthenticated));
  });

  it('still serves a normal request afterwards', async () => {
    const created = await t.api('POST', '/api/v1/qualification_session/create', {
      key: channel,
      body: { idempotency_key: 'fuzz-after' },
    });
    assert.equal(created.statusCode, 200, show(created));
    const got = await t.api('GET', `/api/v1/qualification_session/${sessionId}`, { key: channel });
    assert.equal(got.statusCode, 200, show(got));
  });
});
