// Webhook benchmarks across instances and channels (issue 9 items 5 and 6):
// - `webhooks-instances` (PostgreSQL): transitions committed by one process (this one, which runs
//   no dispatcher) and delivered by a `qualify serve` woken through LISTEN/NOTIFY — the time from
//   the event to the first attempt arriving at the receiver.
// - `webhooks-fairness`: one channel's endpoint never answers (each attempt times out after 10 s)
//   while its deliveries keep coming; another channel's first-attempt latency meanwhile.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { renderJson } from '../src/http/replies.js';
import { createServices } from '../src/services.js';
import { BENCH_SECRET, startQualify } from './processes.js';

export const FLEET_SCENARIOS = ['webhooks-instances', 'webhooks-fairness'] as const;
export const FLEET_SECTION = '## Webhooks across instances and channels';

export interface FleetResult {
  scenario: (typeof FLEET_SCENARIOS)[number];
  engine: string;
  goal: string;
  /** Median first-attempt latency, ms; undefined when not measured. */
  medianMs?: number;
  p99Ms?: number;
  limitMs: number;
  line: string;
}

interface Receiver {
  url: string;
  /** Arrival time by session id (first arrival only). */
  arrivals: Map<string, { at: number; eventCreatedAt: number }>;
  requests: () => number;
  close(): Promise<void>;
}

/** `hang`: reads each request and never answers (the sender gives up after its 10 s timeout). */
async function startReceiver(hang: boolean): Promise<Receiver> {
  const arrivals = new Map<string, { at: number; eventCreatedAt: number }>();
  let requests = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests++;
      if (hang) return;
      const at = Date.now();
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        created_at: string;
        data: { qualification_session_id: string };
      };
      const id = body.data.qualification_session_id;
      if (!arrivals.has(id)) arrivals.set(id, { at, eventCreatedAt: Date.parse(body.created_at) });
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    arrivals,
    requests: () => requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 1));
  }
  return true;
}

/** Through the merchant API of a running server: create a session and approve it (test helper). */
async function approveThroughApi(url: string, apiKey: string, key: string): Promise<string> {
  const headers = { 'content-type': 'application/json', 'x-truemed-api-key': apiKey };
  const created = await fetch(`${url}/api/v1/qualification_session/create`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ idempotency_key: key }),
  });
  const { qualification_session_id: id } = (await created.json()) as { qualification_session_id: string };
  await fetch(`${url}/api/v1/test_helpers/qualification_session/${id}/approve`, {
    method: 'POST',
    headers,
    body: '{}',
  }).then((r) => r.arrayBuffer());
  return id;
}

export async function runInstancesBench(
  engine: string,
  db: { url: string; apiKey: string; channelId: string },
  samples: number,
  log: (message: string) => void,
): Promise<FleetResult> {
  const goal = 'first attempt median < 20 ms, transition committed on another instance';
  if (engine !== 'postgres')
    return {
      scenario: 'webhooks-instances',
      engine,
      goal,
      limitMs: 20,
      line: 'not measured: SQLite instances do not signal each other (they poll); PostgreSQL only',
    };
  const receiver = await startReceiver(false);
  const config = loadConfig({ QUALIFY_ENV: 'test', QUALIFY_SECRET: BENCH_SECRET, DATABASE_URL: db.url });
  const database = openDatabase(db.url);
  // Instance A is this process: the services, committing transitions, with no dispatcher.
  const services = createServices(config, database);
  const server = await startQualify({ databaseUrl: db.url });
  try {
    await services.webhookEndpoints.create(db.channelId, { url: receiver.url });
    const channel = (await services.channels.authenticate(db.apiKey))!;
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      const stored = await services.sessions.create(
        channel,
        { idempotency_key: `fleet-${i}` },
        renderJson('b'),
      );
      const id = (JSON.parse(stored.body) as { qualification_session_id: string }).qualification_session_id;
      await services.sessions.testApprove(channel, id, {});
      // Far below the server's 5 s safety poll: a miss here means the signal did not arrive.
      if (!(await waitFor(() => receiver.arrivals.has(id), 10_000))) continue;
      const arrival = receiver.arrivals.get(id)!;
      latencies.push(arrival.at - arrival.eventCreatedAt);
    }
    latencies.sort((a, b) => a - b);
    const median = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    log(`${engine}: first attempt, transition on another instance: median ${median} ms, p99 ${p99} ms`);
    // The same measurement with the transition made on the delivering instance itself (through
    // its API), in the same run: what "as fast as on the same one" is compared with.
    const local: number[] = [];
    for (let i = 0; i < samples; i++) {
      const id = await approveThroughApi(server.url, db.apiKey, `fleet-local-${i}`);
      if (!(await waitFor(() => receiver.arrivals.has(id), 10_000))) continue;
      const arrival = receiver.arrivals.get(id)!;
      local.push(arrival.at - arrival.eventCreatedAt);
    }
    local.sort((a, b) => a - b);
    const localMedian = percentile(local, 50);
    log(`${engine}: first attempt, transition on the same instance: median ${localMedian} ms`);
    return {
      scenario: 'webhooks-instances',
      engine,
      goal,
      medianMs: median,
      p99Ms: p99,
      limitMs: 20,
      line:
        `first attempt after a transition committed by another process (no dispatcher there; LISTEN/NOTIFY wakes ` +
        `the server's): median ${median} ms, p99 ${p99} ms (${latencies.length}/${samples} approvals one at a time; ` +
        `the server's safety poll is 5 s). Same run, transition made through the delivering server's own API: ` +
        `median ${localMedian} ms, p99 ${percentile(local, 99)} ms`,
    };
  } finally {
    await server.stop();
    await database.close();
    await receiver.close();
  }
}

export async function runFairnessBench(
  engine: string,
  db: { url: string; apiKey: string; channelId: string },
  samples: number,
  log: (message: string) => void,
): Promise<FleetResult> {
  const goal = "another channel's first attempt median < 50 ms while one channel's endpoint times out";
  const slow = await startReceiver(true);
  const fast = await startReceiver(false);
  const config = loadConfig({ QUALIFY_ENV: 'test', QUALIFY_SECRET: BENCH_SECRET, DATABASE_URL: db.url });
  const database = openDatabase(db.url);
  const services = createServices(config, database);
  const server = await startQualify({ databaseUrl: db.url });
  try {
    // The slow channel is the bench channel; the other one is made here.
    await services.webhookEndpoints.create(db.channelId, { url: slow.url });
    const other = await services.channels.createChannel('Other', false);
    await services.webhookEndpoints.create(other.sales_channel_id, { url: fast.url });
    // A backlog for the endpoint that never answers, then more of it between the samples.
    for (let i = 0; i < 100; i++) await approveThroughApi(server.url, db.apiKey, `slow-${i}`);
    await waitFor(() => slow.requests() > 0, 5_000);
    const latencies: number[] = [];
    for (let i = 0; i < samples; i++) {
      await approveThroughApi(server.url, db.apiKey, `slow-more-${i}`);
      const id = await approveThroughApi(server.url, other.api_key, `fast-${i}`);
      if (!(await waitFor(() => fast.arrivals.has(id), 15_000))) continue;
      const arrival = fast.arrivals.get(id)!;
      latencies.push(arrival.at - arrival.eventCreatedAt);
    }
    latencies.sort((a, b) => a - b);
    const median = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    log(
      `${engine}: other channel's first attempt beside a timing-out endpoint: median ${median} ms, p99 ${p99} ms`,
    );
    return {
      scenario: 'webhooks-fairness',
      engine,
      goal,
      medianMs: median,
      p99Ms: p99,
      limitMs: 50,
      line:
        `one channel's endpoint never answers (${100 + samples} deliveries, each attempt held until the 10 s timeout; ` +
        `${slow.requests()} attempts reached it, at most 16 of the 64 send slots at a time); another channel's first ` +
        `attempt: median ${median} ms, p99 ${p99} ms (${latencies.length}/${samples} approvals one at a time)`,
    };
  } finally {
    await server.stop();
    await database.close();
    await slow.close();
    await fast.close();
  }
}

/** The section for BENCHMARKS.md: its own goals and lines. */
export function fleetSection(results: FleetResult[], command: string, started: Date): string[] {
  const lines = [
    FLEET_SECTION,
    '',
    `<!-- Written by \`${command}\` on ${started.toISOString()} (bench/webhook-fleet.ts). -->`,
    '',
    '| goal | result | met |',
    '|---|---|---|',
  ];
  for (const r of results) {
    const measured = r.medianMs !== undefined && Number.isFinite(r.medianMs);
    const result = measured ? `${r.medianMs} ms (p99 ${r.p99Ms} ms)` : 'not measured';
    const met = measured ? (r.medianMs! < r.limitMs ? 'yes' : '**no**') : '—';
    lines.push(`| ${r.goal} (${r.engine}) | ${result} | ${met} |`);
  }
  lines.push('');
  for (const r of results) lines.push(`- ${r.engine}, ${r.scenario}: ${r.line}`);
  lines.push('');
  return lines;
}

/** Replaces (or adds, before "## Scenarios") the section in an existing report. */
export function mergeFleetSection(path: string, section: string[]): void {
  const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n') : ['# Benchmarks', ''];
  const start = lines.indexOf(FLEET_SECTION);
  if (start >= 0) {
    const next = lines.findIndex((line, i) => i > start && line.startsWith('## '));
    lines.splice(start, (next < 0 ? lines.length : next) - start, ...section);
  } else {
    const scenarios = lines.indexOf('## Scenarios');
    lines.splice(scenarios < 0 ? lines.length : scenarios, 0, ...section);
  }
  writeFileSync(path, lines.join('\n'));
}
