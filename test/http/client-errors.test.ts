import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { createTestApp, type TestApp } from '../support/app.js';

/**
 * Issue 13 item 6 — what Node's HTTP parser refuses (bad request line, bad header, headers too
 * large), a missing Host and an unsupported Expect are answered with the flat error body of
 * SPEC §1.2, with a request id in the body and the header; the server keeps serving.
 */
interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Writes `request` on a fresh socket and reads the first response (the server closes or it is complete). */
function send(port: number, request: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const [head = '', ...rest] = received.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const at = line.indexOf(':');
        headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    };
    const timer = setTimeout(() => reject(new Error(`no complete answer; got: ${received}`)), 5_000);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (data) => {
      received += data.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(received)?.[1];
      if (end !== -1 && length !== undefined && received.length >= end + 4 + Number(length)) finish();
    });
    socket.on('error', () => {});
    socket.on('close', finish);
  });
}

const CASES: Array<{ name: string; request: string; status: number; error: string; message: RegExp }> = [
  {
    name: 'garbage for a request line',
    request: 'GARBAGE\r\n\r\n',
    status: 400,
    error: 'ValidationError',
    message: /not valid HTTP/,
  },
  {
    name: 'an unknown HTTP version',
    request: 'GET /healthz HTTP/9.9\r\nhost: x\r\n\r\n',
    status: 400,
    error: 'ValidationError',
    message: /not valid HTTP/,
  },
  {
    name: 'a control character in the request target',
    request: 'GET /he\u0001lthz HTTP/1.1\r\nhost: x\r\n\r\n',
    status: 400,
    error: 'ValidationError',
    message: /not valid HTTP/,
  },
  {
    name: 'a header line without a colon',
    request: 'GET /healthz HTTP/1.1\r\nhost: x\r\nnot a header\r\n\r\n',
    status: 400,
    error: 'ValidationError',
    message: /not valid HTTP/,
  },
  {
    name: 'two different content-lengths',
    request:
      'POST /api/v1/qualification_session/create HTTP/1.1\r\nhost: x\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab',
    status: 400,
    error: 'ValidationError',
    message: /not valid HTTP/,
  },
  {
    name: 'headers over the size limit',
    request: `GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
    status: 431,
    error: 'RequestHeaderFieldsTooLarge',
    message: /headers are too large/,
  },
  {
    name: 'an HTTP/1.1 request without Host',
    request: 'GET /healthz HTTP/1.1\r\n\r\n',
    status: 400,
    error: 'ValidationError',
    message: /Host header is required/,
  },
  {
    name: 'an API request without Host',
    request: 'GET /api/v1/qualification_sessions HTTP/1.1\r\n\r\n',
    status: 400,
    error: 'ValidationError',
    message: /Host header is required/,
  },
  {
    name: 'an Expect other than 100-continue',
    request: 'GET /healthz HTTP/1.1\r\nhost: x\r\nexpect: 200-ok\r\n\r\n',
    status: 417,
    error: 'ExpectationFailed',
    message: /100-continue/,
  },
];

describe('requests refused below Fastify get the flat error body (issue 13 item 6)', () => {
  let t: TestApp;
  let port: number;
  before(async () => {
    t = await createTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as { port: number }).port;
  });
  after(() => t.close());

  for (const { name, request, status, error, message } of CASES) {
    it(`${name} → ${status} ${error}`, async () => {
      const response = await send(port, request);
      const shown = `${response.status} ${JSON.stringify(response.headers)} ${response.body}`;
      assert.equal(response.status, status, shown);
      assert.match(response.headers['content-type'] ?? '', /^application\/json/, shown);
      const body = JSON.parse(response.body) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ['error', 'message', 'request_id'], shown);
      assert.equal(body.error, error, shown);
      assert.match(String(body.message), message, shown);
      assert.match(String(body.request_id), /^req_[0-9a-f]{24}$/, shown);
      assert.equal(response.headers['x-request-id'], body.request_id, shown);

      const after = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(after.status, 200, 'the server keeps serving');
    });
  }

  it('serves an HTTP/1.0 request without Host (Host is required from HTTP/1.1 on)', async () => {
    const response = await send(port, 'GET /healthz HTTP/1.0\r\n\r\n');
    assert.equal(response.status, 200, `${response.status} ${response.body}`);
    assert.deepEqual(JSON.parse(response.body), { status: 'ok' });
  });
});

describe('a request that does not arrive in time gets the flat error body (issue 13 item 6)', () => {
  let t: TestApp;
  let slow: FastifyInstance;
  let port: number;
  before(async () => {
    t = await createTestApp();
    // The same services behind an app with a short header deadline.
    slow = await buildApp({
      services: t.services,
      timeouts: { headersTimeout: 300, requestTimeout: 600, connectionTimeout: 5_000 },
    });
    await slow.listen({ port: 0, host: '127.0.0.1' });
    port = (slow.server.address() as { port: number }).port;
  });
  after(async () => {
    await slow.close();
    await t.close();
  });

  it('headers that stop half-way → 408 RequestTimeout', async () => {
    const response = await send(port, 'GET /healthz HTTP/1.1\r\nhost: x\r\nx-half: ');
    const shown = `${response.status} ${JSON.stringify(response.headers)} ${response.body}`;
    assert.equal(response.status, 408, shown);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    assert.deepEqual(Object.keys(body).sort(), ['error', 'message', 'request_id'], shown);
    assert.equal(body.error, 'RequestTimeout', shown);
    assert.equal(response.headers['x-request-id'], body.request_id, shown);
  });
});
