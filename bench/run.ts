// `npm run bench` — throughput and latency of the merchant API as ratios to a bare node:http
// server measured in the same run, on SQLite and PostgreSQL, at two table sizes; webhook latency
// and drain rate; peak RSS. Bounded in time; rewrites BENCHMARKS.md. Knobs: see `knobs()`.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon, { type Request, type Result } from 'autocannon';
import pg from 'pg';
import { createProgress } from '../src/cli/progress.js';
import { loadConfig } from '../src/config.js';
import { type Engine, migrate, openDatabase } from '../src/db/database.js';
import { createServices } from '../src/services.js';
import { BENCH_SECRET, type Child, startBaseline, startQualify } from './processes.js';
import { command, type EngineReport, type Measurement, writeReport } from './report.js';
import { SCENARIOS } from './scenarios.js';
import { seedSessions } from './seed.js';
import { mergeStartupSection, runStartupBench, type StartupReport, startupSection } from './startup.js';
import {
  FLEET_SCENARIOS,
  type FleetResult,
  fleetSection,
  mergeFleetSection,
  runFairnessBench,
  runInstancesBench,
} from './webhook-fleet.js';
import { runWebhookBench, type WebhookReport } from './webhooks.js';

export interface Knobs {
  quick: boolean;
  durationS: number;
  warmupS: number;
  connections: number;
  rows: number[];
  engines: Array<Engine>;
  postgresUrl: string;
  scenarios: string[] | undefined;
  cpuProfDir: string | undefined;
  output: string;
  webhookEvents: number;
  startupRuns: number;
}

function knobs(env = process.env): Knobs {
  const quick = env.BENCH_QUICK === '1';
  const list = (value: string | undefined) =>
    value
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return {
    quick,
    durationS: Number(env.BENCH_DURATION ?? (quick ? 2 : 8)),
    warmupS: Number(env.BENCH_WARMUP ?? (quick ? 1 : 2)),
    connections: Number(env.BENCH_CONNECTIONS ?? 10),
    rows: (list(env.BENCH_ROWS) ?? (quick ? ['10000', '100000'] : ['100000', '1000000'])).map(Number),
    engines: (list(env.BENCH_ENGINES) ?? ['sqlite', 'postgres']) as Knobs['engines'],
    postgresUrl: env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    scenarios: list(env.BENCH_SCENARIOS),
    cpuProfDir: env.BENCH_CPU_PROF,
    output: env.BENCH_OUTPUT ?? 'BENCHMARKS.md',
    webhookEvents: Number(env.BENCH_WEBHOOK_EVENTS ?? (quick ? 2000 : 5000)),
    startupRuns: Number(env.BENCH_STARTUP_RUNS ?? (quick ? 3 : 7)),
  };
}

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function load(
  url: string,
  k: Knobs,
  requests: Request[],
  seconds: number,
  connections = k.connections,
): Promise<Result> {
  return autocannon({ url, connections, duration: seconds, requests });
}

const BASELINE_REQUEST: Request[] = [{ method: 'GET', path: '/api/v1/qualification_session/qs_x' }];

interface BenchDatabase {
  url: string;
  apiKey: string;
  channelId: string;
  drop(): Promise<void>;
}

async function prepareDatabase(engine: Engine, k: Knobs): Promise<BenchDatabase> {
  let url: string;
  let drop: () => Promise<void>;
  if (engine === 'sqlite') {
    const file = join(tmpdir(), `qualify-bench-${process.pid}.db`);
    url = `sqlite:${file}`;
    drop = async () => {
      for (const ext of ['', '-wal', '-shm', '.lock', '.instances']) rmSync(`${file}${ext}`, { force: true });
    };
    await drop();
  } else {
    const schema = `qualify_bench_${process.pid}`;
    const admin = async (text: string) => {
      const client = new pg.Client({ connectionString: k.postgresUrl });
      await client.connect();
      try {
        await client.query(text);
      } finally {
        await client.end();
      }
    };
    await admin(`CREATE SCHEMA ${schema}`);
    const withSchema = new URL(k.postgresUrl);
    withSchema.searchParams.set('options', `-c search_path=${schema}`);
    url = withSchema.toString();
    drop = () => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  }
  const config = loadConfig({ QUALIFY_ENV: 'test', QUALIFY_SECRET: BENCH_SECRET, DATABASE_URL: url });
  const database = openDatabase(url);
  try {
    await migrate(database);
    const channel = await createServices(config, database).channels.createChannel('Benchmark', false);
    return { url, apiKey: channel.api_key, channelId: channel.sales_channel_id, drop };
  } finally {
    await database.close();
  }
}

function summarize(result: Result): Pick<Measurement, 'rps' | 'p50' | 'p99' | 'non2xx' | 'errors'> {
  return {
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

function cpuPerRequest(before: number | undefined, after: number | undefined, requests: number) {
  return before === undefined || after === undefined || requests === 0
    ? undefined
    : ((after - before) * 1000) / requests;
}

function average(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? (a ?? b) : (a + b) / 2;
}

/** One baseline run: throughput, and the baseline process's CPU time per request. */
async function measureBaseline(baseline: Child, k: Knobs, connections = k.connections) {
  const before = baseline.cpuMs();
  const result = await load(baseline.url, k, BASELINE_REQUEST, k.durationS, connections);
  return {
    rps: summarize(result).rps,
    cpuUsPerRequest: cpuPerRequest(before, baseline.cpuMs(), result.requests.total),
  };
}

async function benchEngine(engine: Engine, k: Knobs, baseline: Child): Promise<EngineReport> {
  const report: EngineReport = { engine, measurements: [], phases: [] };
  const db = await prepareDatabase(engine, k);
  const now = Date.now();
  let seeded = 0;
  let lastBaseline = await measureBaseline(baseline, k);
  try {
    for (const [index, rows] of k.rows.entries()) {
      const seedStart = Date.now();
      const progress = createProgress({});
      await seedSessions(db.url, { channelId: db.channelId, from: seeded, to: rows, now }, (written, total) =>
        progress.update(`${engine}: seeding ${written}/${total} rows`),
      );
      progress.done();
      const seedMs = Date.now() - seedStart;
      log(`${engine}: seeded ${rows - seeded} rows (total ${rows}) in ${seedMs} ms`);
      seeded = rows;
      const server = await startQualify({
        databaseUrl: db.url,
        ...(k.cpuProfDir ? { cpuProfDir: k.cpuProfDir } : {}),
      });
      try {
        const scenarios = SCENARIOS.filter(
          (s) =>
            (index === 0 || !s.writes) && (!k.scenarios || k.scenarios.some((name) => s.name.includes(name))),
        );
        for (const scenario of scenarios) {
          const requests = scenario.requests({ apiKey: db.apiKey, rows });
          const connections = scenario.connections ?? k.connections;
          await load(server.url, k, requests, k.warmupS, connections);
          const cpuBefore = server.cpuMs();
          const result = await load(server.url, k, requests, k.durationS, connections);
          const cpuAfter = server.cpuMs();
          const measured = summarize(result);
          const cpuUsPerRequest = cpuPerRequest(cpuBefore, cpuAfter, result.requests.total);
          const after = await measureBaseline(baseline, k, connections);
          const baselineRps = (lastBaseline.rps + after.rps) / 2;
          const baselineCpu = average(lastBaseline.cpuUsPerRequest, after.cpuUsPerRequest);
          lastBaseline = after;
          report.measurements.push({
            engine,
            rows,
            scenario: scenario.name,
            what: scenario.what,
            ...measured,
            baselineRps,
            ratio: measured.rps / baselineRps,
            cpuUsPerRequest,
            baselineCpuUsPerRequest: baselineCpu,
          });
          log(
            `${engine} ${rows} ${scenario.name}: ${measured.rps.toFixed(0)} req/s ` +
              `(${(measured.rps / baselineRps).toFixed(2)}× baseline ${baselineRps.toFixed(0)}), ` +
              `p50 ${measured.p50} ms p99 ${measured.p99} ms, server CPU ${cpuUsPerRequest?.toFixed(0)} µs/req ` +
              `(baseline ${baselineCpu?.toFixed(0)}), peak RSS ${((server.peakRss() ?? 0) / 1048576).toFixed(0)} MB, ` +
              `non2xx ${measured.non2xx}`,
          );
        }
        report.phases.push({ rows, seedMs, peakRss: server.peakRss() });
      } finally {
        await server.stop();
      }
    }
  } finally {
    await db.drop();
  }
  return report;
}

async function postgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const k = knobs();
  const started = new Date();
  const loadAtStart = loadavg()[0]!;
  // Every server under test runs the compiled build (bin/qualify.js): bring it up to date first.
  if (spawnSync(process.execPath, ['scripts/build.mjs', '--if-stale'], { stdio: 'inherit' }).status !== 0) {
    throw new Error('the build failed');
  }
  const wanted = (name: string) => !k.scenarios || k.scenarios.includes(name);
  // Start-up first, on a machine not yet busy with the load tests' processes.
  const startup: StartupReport | undefined = wanted('startup')
    ? await runStartupBench(k.startupRuns, log)
    : undefined;
  if (startup && k.scenarios?.every((name) => name === 'startup')) {
    // Only this part ran: its section replaces the one in the report, the rest stays as it was.
    mergeStartupSection(k.output, startupSection(startup, command(), started));
    log(
      `done in ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s; merged the start-up section into ${k.output}`,
    );
    return;
  }
  // Issue 9 items 5 and 6: only these asked for — their section is merged into the report.
  const fleet = FLEET_SCENARIOS.filter((name) => wanted(name));
  if (
    fleet.length > 0 &&
    k.scenarios?.every((name) => (FLEET_SCENARIOS as readonly string[]).includes(name))
  ) {
    mergeFleetSection(k.output, fleetSection(await runFleet(k, fleet), command(), started));
    log(
      `done in ${((Date.now() - started.getTime()) / 1000).toFixed(0)} s; merged the fleet section into ${k.output}`,
    );
    return;
  }
  const engines: EngineReport[] = [];
  const skipped: string[] = [];
  const webhooks: WebhookReport[] = [];
  const baseline = await startBaseline();
  try {
    await load(baseline.url, k, BASELINE_REQUEST, k.warmupS);
    for (const engine of k.engines) {
      if (engine === 'postgres' && !(await postgresReachable(k.postgresUrl))) {
        skipped.push(`postgres (not reachable at ${k.postgresUrl})`);
        continue;
      }
      const any = SCENARIOS.some((s) => !k.scenarios || k.scenarios.some((name) => s.name.includes(name)));
      if (any) engines.push(await benchEngine(engine, k, baseline));
    }
    if (wanted('webhooks')) {
      for (const engine of k.engines.filter((e) => !skipped.some((s) => s.startsWith(e)))) {
        const db = await prepareDatabase(engine, k);
        try {
          webhooks.push(await runWebhookBench(engine, db, k, log));
        } finally {
          await db.drop();
        }
      }
    }
  } finally {
    await baseline.stop();
  }
  const fleetResults = fleet.length > 0 ? await runFleet(k, fleet) : [];
  const elapsedS = (Date.now() - started.getTime()) / 1000;
  writeReport(k.output, { knobs: k, started, elapsedS, engines, skipped, webhooks, startup, loadAtStart });
  if (fleetResults.length > 0) mergeFleetSection(k.output, fleetSection(fleetResults, command(), started));
  log(`done in ${elapsedS.toFixed(0)} s; wrote ${k.output}`);
}

/** The cross-instance and fairness webhook scenarios, each on a fresh database per engine. */
async function runFleet(
  k: Knobs,
  names: readonly (typeof FLEET_SCENARIOS)[number][],
): Promise<FleetResult[]> {
  const results: FleetResult[] = [];
  const samples = k.quick ? 40 : 100;
  for (const engine of k.engines) {
    if (engine === 'postgres' && !(await postgresReachable(k.postgresUrl))) continue;
    for (const name of names) {
      const db = await prepareDatabase(engine, k);
      try {
        const run = name === 'webhooks-instances' ? runInstancesBench : runFairnessBench;
        results.push(await run(engine, db, samples, log));
      } finally {
        await db.drop();
      }
    }
  }
  return results;
}

await main();
