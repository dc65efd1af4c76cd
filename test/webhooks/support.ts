import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '../../src/lib/clock.js';
import { type DispatcherLogger, WebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { createHttpSender, type HttpSender, type Sender } from '../../src/webhooks/sender.js';
import { createTestApp, json, show, type TestApp, type TestChannel } from '../support/app.js';

export interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** What the receiver does with a request: reply, or `hang` (never answer) for in-flight tests. */
export type Behaviour = (request: Received, index: number) => Reply | 'hang';

/** A real loopback HTTP receiver on a port of its own (port 0 unless a port is given). */
export class Receiver {
  readonly received: Received[] = [];
  behaviour: Behaviour = () => ({ status: 200, body: 'ok' });
  private server: Server | undefined;
  private readonly hanging: ServerResponse[] = [];
  private waiters: Array<() => void> = [];
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  async listen(port = 0): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const request = {
          method: req.method ?? '',
          url: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        this.received.push(request);
        for (const waiter of this.waiters.splice(0)) waiter();
        const reply = this.behaviour(request, this.received.length - 1);
        if (reply === 'hang') {
          this.hanging.push(res);
          return;
        }
        res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
        res.end(reply.body ?? '');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  /** Resolves once at least `count` requests have arrived. */
  async waitFor(count: number): Promise<void> {
    while (this.received.length < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    for (const res of this.hanging.splice(0)) res.destroy();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * An independent implementation of the SPEC §3.3 verifier, written from the spec text alone
 * (nothing from src/ or lib/): HMAC-SHA256, key = the secret string's UTF-8 bytes, message
 * `<t>.<raw body>`, hex, compared in constant time against each `v1`.
 */
export function specVerify(body: string, header: string | undefined, secret: string): boolean {
  if (!header) return false;
  const fields = header.split(',').map((kv) => {
    const at = kv.indexOf('=');
    return [kv.slice(0, at), kv.slice(at + 1)] as const;
  });
  const t = fields.find(([k]) => k === 't')?.[1];
  if (!t) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return fields
    .filter(([k]) => k === 'v1')
    .some(([, hex]) => hex.length === 64 && timingSafeEqual(expected, Buffer.from(hex, 'hex')));
}

export interface WebhookTestbed {
  t: TestApp;
  clock: ManualClock;
  http: HttpSender;
  /** A dispatcher over the app's database with the real HTTP sender and no jitter. */
  dispatcher(options?: {
    instanceId?: string;
    shutdownGraceMs?: number;
    concurrency?: number;
    /** Send slots one endpoint may hold (the dispatcher's fair share when omitted). */
    endpointCap?: number;
    /** Wraps or replaces the real HTTP sender. */
    send?: Sender;
    logger?: DispatcherLogger;
  }): WebhookDispatcher;
  /** Every delivery queued for one endpoint. */
  deliveriesOf(endpointId: string): ReturnType<TestApp['services']['webhookDeliveries']['list']>;
  close(): Promise<void>;
}

export async function webhookTestbed(env: Record<string, string> = {}): Promise<WebhookTestbed> {
  const clock = new ManualClock(Date.now());
  const t = await createTestApp({ clock, env });
  const http = createHttpSender({ allowPrivate: t.config.allowPrivateWebhooks, timeoutMs: 5_000 });
  const dispatchers: WebhookDispatcher[] = [];
  return {
    t,
    clock,
    http,
    dispatcher(options = {}) {
      const dispatcher = new WebhookDispatcher({
        database: t.database,
        clock,
        send: options.send ?? http.send,
        endpoints: t.services.webhookEndpoints,
        repositories: t.services.repositories,
        ...(options.logger ? { logger: options.logger } : {}),
        random: () => 0.5,
        instanceId: options.instanceId ?? 'test-instance',
        shutdownGraceMs: options.shutdownGraceMs ?? 10_000,
        concurrency: options.concurrency ?? 16,
        ...(options.endpointCap !== undefined ? { endpointCap: options.endpointCap } : {}),
      });
      dispatchers.push(dispatcher);
      return dispatcher;
    },
    deliveriesOf: (endpointId) => t.services.webhookDeliveries.list({ endpointId, limit: 100 }),
    async close() {
      for (const d of dispatchers) await d.stop();
      await http.close();
      await t.close();
    },
  };
}

export async function addEndpoint(
  t: TestApp,
  channel: TestChannel,
  body: { url: string; mode?: 'signed' | 'unsigned'; events?: string[] },
): Promise<{ webhook_endpoint_id: string; secret: string }> {
  const res = await t.api('POST', '/api/v1/webhook_endpoints', { key: channel, body });
  if (res.statusCode !== 200) throw new Error(`could not add endpoint: ${show(res)}`);
  return json(res);
}

export async function createSession(t: TestApp, channel: TestChannel, extra: Record<string, unknown> = {}) {
  const res = await t.api('POST', '/api/v1/qualification_session/create', {
    key: channel,
    body: { idempotency_key: `k-${Math.random()}`, ...extra },
  });
  if (res.statusCode !== 200) throw new Error(`could not create session: ${show(res)}`);
  return json<{ qualification_session_id: string }>(res).qualification_session_id;
}

export async function approve(t: TestApp, channel: TestChannel, id: string) {
  return t.api('POST', `/api/v1/test_helpers/qualification_session/${id}/approve`, {
    key: channel,
    body: {},
  });
}

export async function reject(t: TestApp, channel: TestChannel, id: string, reason?: string) {
  return t.api('POST', `/api/v1/test_helpers/qualification_session/${id}/reject`, {
    key: channel,
    body: reason ? { reason } : {},
  });
}
