import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { type Database, migrate, openDatabase } from '../../src/db/database.js';
import { createServices, type Services } from '../../src/services.js';
import { testConfig } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const HEADERS_TIMEOUT = 600;
const REQUEST_TIMEOUT = 1_200;

interface Outcome {
  /** Everything the server wrote before closing. */
  received: string;
  /** ms from the first byte sent to the socket closing. */
  closedAfter: number;
}

/** Sends `chunks` one per `everyMs` on a raw socket and resolves when the server closes it. */
function trickle(port: number, chunks: string[], everyMs: number, giveUpMs = 8_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const started = Date.now();
    let received = '';
    let index = 0;
    const timer = setInterval(() => {
      if (index < chunks.length && !socket.destroyed) socket.write(chunks[index++]!);
    }, everyMs);
    const giveUp = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(new Error(`the server kept a slow connection open for ${giveUpMs} ms; got: ${received}`));
    }, giveUpMs);
    socket.on('connect', () => socket.write(chunks[index++]!));
    socket.on('data', (data) => {
      received += data.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      clearTimeout(giveUp);
      resolve({ received, closedAfter: Date.now() - started });
    });
  });
}

describe('slow and oversized requests are cut off; others keep being served', () => {
  let testDatabase: TestDatabase;
  let database: Database;
  let services: Services;
  let app: FastifyInstance;
  let port: number;
  let apiKey: string;

  before(async () => {
    testDatabase = await createTestDatabase();
    const config = testConfig(testDatabase.url);
    database = openDatabase(config.databaseUrl);
    await migrate(database);
    services = createServices(config, database);
    app = await buildApp({
      services,
      timeouts: {
        headersTimeout: HEADERS_TIMEOUT,
        requestTimeout: REQUEST_TIMEOUT,
        connectionTimeout: 5_000,
      },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
    apiKey = (await services.channels.createChannel('Limits', false)).api_key;
  });
  after(async () => {
    await app.close();
    await database.close();
    await testDatabase.drop();
  });

  async function createSession(key: string): Promise<Response> {
    return fetch(`http://127.0.0.1:${port}/api/v1/qualification_session/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-truemed-api-key': apiKey },
      body: JSON.stringify({ idempotency_key: key }),
    });
  }

  it('closes a connection whose headers trickle in (slowloris) while a normal request succeeds', async () => {
    const header = Array.from({ length: 60 }, (_, i) => `x-slow-${i}: ${'a'.repeat(10)}\r\n`);
    const slow = trickle(port, ['GET /healthz HTTP/1.1\r\nhost: localhost\r\n', ...header], 100);
    await new Promise((r) => setTimeout(r, 200));
    const normal = await createSession('during-slowloris');
    assert.equal(normal.status, 200, await normal.clone().text());
    const outcome = await slow;
    assert.ok(
      outcome.closedAfter < HEADERS_TIMEOUT + 2_000,
      `closed after ${outcome.closedAfter} ms; headers timeout is ${HEADERS_TIMEOUT} ms`,
    );
    assert.ok(outcome.received === '' || outcome.received.startsWith('HTTP/1.1 408'), outcome.received);
  });

  it('closes a connection whose body trickles in slower than the request timeout', async () => {
    const head =
      'POST /api/v1/qualification_session/create HTTP/1.1\r\nhost: localhost\r\n' +
      `content-type: application/json\r\nx-truemed-api-key: ${apiKey}\r\ncontent-length: 400\r\n\r\n{"idempotency_key":"`;
    const slow = trickle(port, [head, ...Array.from({ length: 60 }, () => 'aaaaa')], 100);
    await new Promise((r) => setTimeout(r, 300));
    const normal = await createSession('during-slow-body');
    assert.equal(normal.status, 200, await normal.clone().text());
    const outcome = await slow;
    assert.ok(
      outcome.closedAfter < REQUEST_TIMEOUT + 2_000,
      `closed after ${outcome.closedAfter} ms; request timeout is ${REQUEST_TIMEOUT} ms`,
    );
    assert.ok(outcome.received === '' || outcome.received.startsWith('HTTP/1.1 408'), outcome.received);
  });

  it('answers 413 to a body over 64 KiB, with or without content-length, without hanging', async () => {
    const big = JSON.stringify({ idempotency_key: 'big', metadata: 'x'.repeat(70 * 1024) });
    const started = Date.now();
    const declared = await fetch(`http://127.0.0.1:${port}/api/v1/qualification_session/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-truemed-api-key': apiKey },
      body: big,
    });
    const body = (await declared.json()) as Record<string, unknown>;
    assert.equal(declared.status, 413, JSON.stringify(body));
    assert.deepEqual(Object.keys(body).sort(), ['error', 'message', 'request_id']);
    assert.equal(body.error, 'PayloadTooLarge');

    // Chunked, no content-length: the limit applies while streaming.
    const chunked = await fetch(`http://127.0.0.1:${port}/api/v1/qualification_session/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-truemed-api-key': apiKey },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(8 * 1024)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    const chunkedBody = (await chunked.json()) as Record<string, unknown>;
    assert.equal(chunked.status, 413, JSON.stringify(chunkedBody));
    assert.equal(chunkedBody.error, 'PayloadTooLarge');
    assert.ok(Date.now() - started < 3_000, `413s took ${Date.now() - started} ms`);

    const after = await createSession('after-oversized');
    assert.equal(after.status, 200, await after.clone().text());
  });

  it('keeps production timeouts sensible when none are given', async () => {
    const { DEFAULT_TIMEOUTS } = await import('../../src/app.js');
    assert.ok(DEFAULT_TIMEOUTS.headersTimeout <= DEFAULT_TIMEOUTS.requestTimeout);
    assert.ok(DEFAULT_TIMEOUTS.requestTimeout >= 10_000 && DEFAULT_TIMEOUTS.requestTimeout <= 60_000);
    assert.ok(DEFAULT_TIMEOUTS.keepAliveTimeout > DEFAULT_TIMEOUTS.headersTimeout);
  });
});
