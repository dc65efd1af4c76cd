import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { type Database, migrate, openDatabase } from '../../src/db/database.js';
import { type Clock, systemClock } from '../../src/lib/clock.js';
import { createServices, type Services } from '../../src/services.js';
import { createTestDatabase, type TestDatabase } from './database.js';

/** A fixed secret that passes the strength checks (issue 13 item 2): 32 bytes of a hash. */
export const TEST_SECRET = createHash('sha256').update('qualify test secret').digest('base64');

/** Tests make hundreds of requests from one address; the IP-limit tests switch them on. */
export const NO_IP_LIMITS = {
  QUALIFY_UNAUTHENTICATED_LIMIT_PER_MINUTE: '0',
  QUALIFY_SURVEY_LIMIT_PER_MINUTE: '0',
  QUALIFY_VERIFY_LIMIT_PER_MINUTE: '0',
  QUALIFY_SIGN_IN_LIMIT_PER_MINUTE: '0',
  QUALIFY_PATIENT_CHECK_LIMIT_PER_MINUTE: '0',
};

export interface TestChannel {
  channelId: string;
  apiKey: string;
  livemode: boolean;
}

export interface TestApp {
  app: FastifyInstance;
  services: Services;
  database: Database;
  testDatabase: TestDatabase;
  config: Config;
  /** Makes a sales channel and its first key through the same service the CLI uses. */
  channel(options?: { live?: boolean; name?: string }): Promise<TestChannel>;
  /** JSON request through `inject`, with the channel's key when one is given. */
  api(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    options?: { key?: string | TestChannel; body?: unknown; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  clock?: Clock;
  env?: Record<string, string>;
}

export function testConfig(databaseUrl: string, env: Record<string, string> = {}): Config {
  return loadConfig({
    QUALIFY_ENV: 'test',
    QUALIFY_SECRET: TEST_SECRET,
    DATABASE_URL: databaseUrl,
    PUBLIC_URL: 'http://qualify.test',
    QUALIFY_RATE_LIMIT_PER_MINUTE: '0',
    ...NO_IP_LIMITS,
    // Production needs SMTP_URL or MAIL_DISABLED (issue 10 item 2): tests of production send no mail.
    ...(env.QUALIFY_ENV === 'production' && env.SMTP_URL === undefined ? { MAIL_DISABLED: 'true' } : {}),
    ...env,
  });
}

/** The real app over a real database of its own (SQLite file, or a PostgreSQL schema). */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const testDatabase = await createTestDatabase();
  const config = testConfig(testDatabase.url, options.env);
  const database = openDatabase(config.databaseUrl, { poolSize: 10 });
  await migrate(database);
  const services = createServices(config, database, options.clock ?? systemClock);
  const app = await buildApp({ services });
  await app.ready();

  const api: TestApp['api'] = (method, url, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const key = typeof opts.key === 'string' ? opts.key : opts.key?.apiKey;
    if (key !== undefined) headers['x-truemed-api-key'] = key;
    if (opts.body !== undefined && headers['content-type'] === undefined)
      headers['content-type'] = 'application/json';
    return app.inject({
      method,
      url,
      headers,
      ...(opts.body !== undefined
        ? { payload: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }
        : {}),
    });
  };

  return {
    app,
    services,
    database,
    testDatabase,
    config,
    async channel({ live = false, name = 'Test channel' } = {}) {
      const created = await services.channels.createChannel(name, live);
      return { channelId: created.sales_channel_id, apiKey: created.api_key, livemode: live };
    },
    api,
    async close() {
      await app.close();
      await database.close();
      await testDatabase.drop();
    },
  };
}

/** Creates a session through the merchant API (a fresh idempotency key unless `body` has one); its JSON. */
export async function newSession(
  t: Pick<TestApp, 'api'>,
  channel: TestChannel,
  body: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const response = await t.api('POST', '/api/v1/qualification_session/create', {
    key: channel,
    body: { idempotency_key: `k-${randomUUID()}`, ...body },
  });
  assert.equal(response.statusCode, 200, show(response));
  return json(response);
}

/** Parses a JSON response body; the raw text goes into the failure message when it is not JSON. */
export function json<T = Record<string, unknown>>(response: LightMyRequestResponse): T {
  try {
    return JSON.parse(response.body) as T;
  } catch {
    throw new Error(`response is not JSON (${response.statusCode}): ${response.body.slice(0, 500)}`);
  }
}

/** Assertion message helper: status and body of a response. */
export function show(response: LightMyRequestResponse): string {
  return `${response.statusCode} ${response.body.slice(0, 1000)}`;
}
