import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import pino from 'pino';
import { buildApp, loggerOptions } from '../../src/app.js';
import { migrate, openDatabase } from '../../src/db/database.js';
import { createServices } from '../../src/services.js';
import { createTestApp, json, show, type TestApp, type TestChannel, testConfig } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';

const CREATE = '/api/v1/qualification_session/create';

/** SPEC §1.2 — the flat error body, with the request id of its response. */
function assertError(res: LightMyRequestResponse, status: number, code: string): Record<string, unknown> {
  assert.equal(res.statusCode, status, show(res));
  assert.match(res.headers['content-type'] as string, /^application\/json; charset=utf-8$/);
  const body = json(res);
  assert.deepEqual(Object.keys(body), ['error', 'message', 'request_id'], show(res));
  assert.equal(body.error, code, show(res));
  assert.equal(typeof body.message, 'string');
  assert.ok((body.message as string).length > 0);
  assert.match(body.request_id as string, /^req_[0-9a-f]{24}$/);
  assert.equal(body.request_id, res.headers['x-request-id']);
  return body;
}

describe('errors (SPEC §1.2)', () => {
  let t: TestApp;
  let ch: TestChannel;
  let sessionId: string;
  before(async () => {
    t = await createTestApp();
    ch = await t.channel();
    const res = await t.api('POST', CREATE, { key: ch, body: { idempotency_key: 'fixture' } });
    sessionId = json(res).qualification_session_id as string;
  });
  after(() => t.close());

  it('malformed JSON → 400 ValidationError', async () => {
    for (const payload of ['{"idempotency_key": "a"', '{idempotency_key: 1}', "{'a':1}", '  ']) {
      const res = await t.api('POST', CREATE, { key: ch, body: payload });
      const body = assertError(res, 400, 'ValidationError');
      assert.equal(body.message, 'request body is not valid JSON', payload);
    }
  });

  it('an empty body is a 400 where a body is required', async () => {
    for (const headers of [{ 'content-type': 'application/json' }, {}] as Record<string, string>[]) {
      const res = await t.api('POST', CREATE, { key: ch, headers });
      const body = assertError(res, 400, 'ValidationError');
      assert.equal(body.message, 'request body must be a JSON object');
    }
  });

  it('__proto__ and constructor.prototype keys are refused, not merged', async () => {
    for (const payload of [
      '{"idempotency_key":"p","__proto__":{"x":1}}',
      '{"idempotency_key":"p","constructor":{"prototype":{"x":1}}}',
    ]) {
      assertError(await t.api('POST', CREATE, { key: ch, body: payload }), 400, 'ValidationError');
    }
  });

  it('413 PayloadTooLarge over 64 KiB; exactly 64 KiB is parsed (and then validated)', async () => {
    const wrap = (n: number) => {
      const head = '{"idempotency_key":"big","metadata":"';
      return `${head}${'a'.repeat(n - head.length - 2)}"}`;
    };
    const over = wrap(64 * 1024 + 1);
    assert.equal(Buffer.byteLength(over), 65537);
    const res = await t.api('POST', CREATE, { key: ch, body: over });
    const body = assertError(res, 413, 'PayloadTooLarge');
    assert.match(body.message as string, /64 KiB/);

    const exact = wrap(64 * 1024);
    const ok = await t.api('POST', CREATE, { key: ch, body: exact });
    const err = assertError(ok, 400, 'ValidationError');
    assert.equal(err.message, 'metadata must be at most 4096 characters');

    const update = await t.api('POST', `/api/v1/qualification_session/${sessionId}/update`, {
      key: ch,
      body: over,
    });
    assertError(update, 413, 'PayloadTooLarge');
  });

  it('415 UnsupportedMediaType for text/plain, form bodies and a body without a content type', async () => {
    const body = '{"idempotency_key":"mt"}';
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'text/html', 'application/xml']) {
      const res = await t.api('POST', CREATE, { key: ch, body, headers: { 'content-type': type } });
      assertError(res, 415, 'UnsupportedMediaType');
    }
    const bare = await t.app.inject({
      method: 'POST',
      url: CREATE,
      headers: { 'x-truemed-api-key': ch.apiKey },
      payload: body,
    });
    assertError(bare, 415, 'UnsupportedMediaType');
    const update = await t.api('POST', `/api/v1/qualification_session/${sessionId}/update`, {
      key: ch,
      body,
      headers: { 'content-type': 'text/plain' },
    });
    assertError(update, 415, 'UnsupportedMediaType');
  });

  it('application/json with a charset parameter is accepted', async () => {
    const res = await t.api('POST', CREATE, {
      key: ch,
      body: '{"idempotency_key":"charset"}',
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    assert.equal(res.statusCode, 200, show(res));
  });

  it('405 MethodNotAllowed with an Allow header on known paths', async () => {
    const cases: Array<[string, string, string]> = [
      ['GET', `/api/v1/qualification_session/${sessionId}/update`, 'POST'],
      ['PUT', `/api/v1/qualification_session/${sessionId}/update`, 'POST'],
      ['DELETE', `/api/v1/qualification_session/${sessionId}`, 'GET, HEAD'],
      ['POST', `/api/v1/qualification_session/${sessionId}`, 'GET, HEAD'],
      ['POST', '/api/v1/qualification_sessions', 'GET, HEAD'],
      ['PATCH', '/api/v1/qualification_sessions', 'GET, HEAD'],
      ['GET', '/api/v1/create_qualification_session', 'POST'],
      ['GET', `/api/v1/test_helpers/qualification_session/${sessionId}/approve`, 'POST'],
    ];
    for (const [method, url, allow] of cases) {
      const res = await t.api(method as 'GET', url, { key: ch });
      assertError(res, 405, 'MethodNotAllowed');
      assert.equal(res.headers.allow, allow, `${method} ${url}`);
    }
  });

  it('404 NotFound for unknown paths, with or without a key', async () => {
    for (const url of [
      '/api/v1/nope',
      '/api/v2/qualification_sessions',
      '/api/v1/qualification_sessions/',
      `/api/v1/qualification_session/${sessionId}/delete`,
      '/nope',
    ]) {
      assertError(await t.api('GET', url, { key: ch }), 404, 'NotFound');
      assertError(await t.api('POST', url, { body: {} }), 404, 'NotFound');
    }
  });

  it('an undecodable URL is a flat 400, not Fastify’s own body', async () => {
    for (const url of ['/api/v1/qualification_session/%ff', '/api/v1/qualification_session/%E0%A4%A']) {
      const body = assertError(await t.api('GET', url, { key: ch }), 400, 'ValidationError');
      assert.equal(body.message, 'the URL is not validly percent-encoded');
    }
  });

  it('a NUL character anywhere in the input is a 400 on both engines (PostgreSQL cannot store it)', async () => {
    const cases: Array<[string, string, unknown, RegExp]> = [
      ['POST', CREATE, '{"idempotency_key":"n","user_id":"a\\u0000b"}', /^user_id must not contain NUL/],
      ['POST', CREATE, '{"idempotency_key":"a\\u0000"}', /^idempotency_key must not contain NUL/],
      [
        'POST',
        `/api/v1/qualification_session/${sessionId}/update`,
        '{"idempotency_key":"n","metadata":"\\u0000"}',
        /^metadata must not contain NUL/,
      ],
      ['GET', '/api/v1/qualification_sessions?search=a%00b', undefined, /^search must not contain NUL/],
      ['GET', '/api/v1/qualification_sessions?user_id=%00', undefined, /^user_id must not contain NUL/],
      ['GET', '/api/v1/qualification_session/qs_%00', undefined, /must not contain NUL/],
    ];
    for (const [method, url, body, message] of cases) {
      const res = await t.api(method as 'GET', url, { key: ch, ...(body === undefined ? {} : { body }) });
      const err = assertError(res, 400, 'ValidationError');
      assert.match(err.message as string, message, show(res));
    }
  });

  it('every response carries a fresh x-request-id; errors repeat it as request_id', async () => {
    const responses = await Promise.all([
      t.api('GET', `/api/v1/qualification_session/${sessionId}`, { key: ch }),
      t.api('GET', '/api/v1/qualification_sessions', { key: ch }),
      t.api('POST', `/api/v1/qualification_session/${sessionId}/update`, {
        key: ch,
        body: { idempotency_key: 'rid' },
      }),
      t.api('GET', '/api/v1/qualification_sessions'),
      t.api('GET', '/api/v1/qualification_sessions?page=0', { key: ch }),
      t.api('GET', '/nowhere'),
      t.api('DELETE', '/api/v1/qualification_sessions', { key: ch }),
      t.api('GET', '/healthz'),
      t.api('GET', '/openapi.json'),
    ]);
    const ids = new Set<string>();
    for (const res of responses) {
      const id = res.headers['x-request-id'] as string;
      assert.match(id, /^req_[0-9a-f]{24}$/, show(res));
      ids.add(id);
      if (res.statusCode >= 400) assert.equal(json(res).request_id, id);
    }
    assert.equal(ids.size, responses.length);
  });

  it('429 RateLimited with Retry-After once a key exceeds its limit; other keys are unaffected', async () => {
    const limited = await createTestApp({ env: { QUALIFY_RATE_LIMIT_PER_MINUTE: '3' } });
    try {
      const a = await limited.channel();
      const b = await limited.channel();
      for (let i = 0; i < 3; i++) {
        const res = await limited.api('GET', '/api/v1/qualification_sessions', { key: a });
        assert.equal(res.statusCode, 200, show(res));
      }
      const res = await limited.api('GET', '/api/v1/qualification_sessions', { key: a });
      assertError(res, 429, 'RateLimited');
      assert.match(res.headers['retry-after'] as string, /^\d+$/);
      const other = await limited.api('GET', '/api/v1/qualification_sessions', { key: b });
      assert.equal(other.statusCode, 200, show(other));
    } finally {
      await limited.close();
    }
  });
});

describe('500 InternalServerError never leaks', () => {
  it('an unexpected exception answers the generic body; the log has the stack, the response does not', async () => {
    const testDatabase = await createTestDatabase();
    const config = testConfig(testDatabase.url);
    const database = openDatabase(config.databaseUrl);
    await migrate(database);
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino(loggerOptions('error') as pino.LoggerOptions, stream);
    const services = createServices(config, database);
    const app = await buildApp({ services, logger });
    app.get('/api/v1/boom', async () => {
      throw new Error('SELECT secret_column FROM internal_table at /srv/qualify/src/x.ts:12');
    });
    app.post('/api/v1/boom-typed', async () => {
      throw Object.assign(new TypeError('cannot read properties of undefined (reading "ssn")'), {
        statusCode: 503,
      });
    });
    try {
      await app.ready();
      const res = await app.inject({ method: 'GET', url: '/api/v1/boom' });
      const body = assertError(res, 500, 'InternalServerError');
      assert.equal(body.message, 'an unexpected error occurred');
      for (const leak of ['secret_column', 'internal_table', '/srv/', 'stack', 'Error:', ' at ']) {
        assert.ok(!res.body.includes(leak), `${leak} leaked: ${res.body}`);
      }
      const logged = lines.join('');
      assert.match(logged, /secret_column/, 'the log keeps the real error');
      assert.match(logged, /"stack"/);
      assert.ok(logged.includes(body.request_id as string), 'the log line carries the request id');

      const typed = await app.inject({ method: 'POST', url: '/api/v1/boom-typed' });
      assertError(typed, 500, 'InternalServerError');
      assert.ok(!typed.body.includes('ssn'));
    } finally {
      await app.close();
      await database.close();
      await testDatabase.drop();
    }
  });

  it('a database failure inside a merchant route is a generic 500', async () => {
    const t = await createTestApp();
    try {
      const ch = await t.channel();
      await sql`DROP TABLE idempotency_keys`.execute(t.database.db);
      const res = await t.api('POST', CREATE, { key: ch, body: { idempotency_key: 'db-down' } });
      const body = assertError(res, 500, 'InternalServerError');
      assert.equal(body.message, 'an unexpected error occurred');
      assert.ok(!/idempotency_keys|relation|no such table|SQL/i.test(res.body), res.body);
    } finally {
      await t.close();
    }
  });
});
