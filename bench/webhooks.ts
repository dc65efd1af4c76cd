// Webhook benchmark: the time from a committed transition to its first delivery attempt arriving
// at a local receiver, and the sustained drain rate of a backlog of pending deliveries.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { renderJson } from '../src/http/replies.js';
import { createServices } from '../src/services.js';
import { BENCH_SECRET, startQualify } from './processes.js';
import type { Knobs } from './run.js';

export interface WebhookReport {
  engine: string;
  available: boolean;
  reason?: string;
  firstAttemptMedianMs?: number;
  firstAttemptP99Ms?: number;
  deliveriesPerSecond?: number;
  lines: string[];
}

interface Arrival {
  at: number;
  sessionId: string;
  eventCreatedAt: number;
}

/** A receiver that answers 200 at once and notes when each delivery arrived. */
async function startReceiver(): Promise<{ url: string; arrivals: Arrival[]; server: Server }> {
  const arrivals: Arrival[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = Date.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        created_at: string;
        data: { qualification_session_id: string };
      };
      arrivals.push({
        at,
        sessionId: body.data.qualification_session_id,
        eventCreatedAt: Date.parse(body.created_at),
      });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, arrivals, server };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}

export async function runWebhookBench(
  engine: string,
  db: { url: string; apiKey: string; channelId: string },
  k: Knobs,
  log: (message: string) => void,
): Promise<WebhookReport> {
  const receiver = await startReceiver();
  const config = loadConfig({ QUALIFY_ENV: 'test', QUALIFY_SECRET: BENCH_SECRET, DATABASE_URL: db.url });
  const database = openDatabase(db.url);
  try {
    // The backlog: N approved sessions whose deliveries are pending, queued with no server running.
    const services = createServices(config, database);
    await services.webhookEndpoints.create(db.channelId, { url: receiver.url });
    const channel = (await services.channels.authenticate(db.apiKey))!;
    for (let i = 0; i < k.webhookEvents; i++) {
      const stored = await services.sessions.create(
        channel,
        { idempotency_key: `webhook-bench-${i}` },
        renderJson('bench'),
      );
      const id = (JSON.parse(stored.body) as { qualification_session_id: string }).qualification_session_id;
      await services.sessions.testApprove(channel, id, {});
    }
    log(`${engine}: queued ${k.webhookEvents} deliveries`);

    const server = await startQualify({
      databaseUrl: db.url,
      ...(k.cpuProfDir ? { cpuProfDir: k.cpuProfDir } : {}),
    });
    try {
      const drained = await waitFor(() => receiver.arrivals.length >= k.webhookEvents, 120_000);
      const backlog = receiver.arrivals.slice(0, k.webhookEvents);
      const seconds = (backlog.at(-1)!.at - backlog[0]!.at) / 1000;
      const deliveriesPerSecond = (backlog.length - 1) / Math.max(seconds, 0.001);
      log(
        `${engine}: drained ${backlog.length} deliveries in ${seconds.toFixed(2)} s (${deliveriesPerSecond.toFixed(0)}/s)`,
      );

      // Latency: one approval at a time through the API, each waiting for its delivery.
      const samples = Math.max(20, Math.floor(k.webhookEvents / 25));
      const latencies: number[] = [];
      const headers = { 'content-type': 'application/json', 'x-truemed-api-key': db.apiKey };
      for (let i = 0; i < samples; i++) {
        const created = await fetch(`${server.url}/api/v1/qualification_session/create`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ idempotency_key: `webhook-latency-${i}` }),
        });
        const { qualification_session_id: id } = (await created.json()) as {
          qualification_session_id: string;
        };
        await fetch(`${server.url}/api/v1/test_helpers/qualification_session/${id}/approve`, {
          method: 'POST',
          headers,
          body: '{}',
        }).then((r) => r.arrayBuffer());
        if (!(await waitFor(() => receiver.arrivals.some((a) => a.sessionId === id), 10_000))) continue;
        const arrival = receiver.arrivals.find((a) => a.sessionId === id)!;
        latencies.push(arrival.at - arrival.eventCreatedAt);
      }
      latencies.sort((a, b) => a - b);
      const median = percentile(latencies, 50);
      const p99 = percentile(latencies, 99);
      log(
        `${engine}: first attempt after commit: median ${median} ms, p99 ${p99} ms (${latencies.length} samples)`,
      );
      return {
        engine,
        available: true,
        firstAttemptMedianMs: median,
        firstAttemptP99Ms: p99,
        deliveriesPerSecond,
        lines: [
          `first delivery attempt after the transition: median ${median} ms, p99 ${p99} ms ` +
            `(${latencies.length} approvals one at a time; event time in the transaction → request at the receiver)`,
          `sustained delivery: ${backlog.length} queued deliveries drained at ${Math.round(deliveriesPerSecond)}/s ` +
            `(first to last arrival, ${seconds.toFixed(2)} s${drained ? '' : '; NOT all delivered within 120 s'})`,
        ],
      };
    } finally {
      await server.stop();
    }
  } finally {
    await database.close();
    receiver.server.closeAllConnections();
    await new Promise((resolve) => receiver.server.close(resolve));
  }
}
