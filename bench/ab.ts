// Two builds side by side: `npx tsx bench/ab.ts <checkoutA> <checkoutB> [rounds]` (each checkout
// built, e.g. a `git worktree` of the commit before a change). Both serve copies of one seeded
// 10k-row SQLite database and are measured alternately with the benchmark's scenarios; the result
// is the median server CPU µs per request of each, which varies far less than req/s on a shared
// machine. Env: BENCH_SCENARIOS (names, comma-separated), BENCH_DURATION (seconds per run).
import { spawn } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config.js';
import { migrate, openDatabase } from '../src/db/database.js';
import { createServices } from '../src/services.js';
import { freePort } from '../test/support/free-port.js';
import { BENCH_SECRET, cpuMs } from './processes.js';
import { SCENARIOS } from './scenarios.js';
import { seedSessions } from './seed.js';

const [treeA, treeB, roundsArg] = process.argv.slice(2);
if (!treeA || !treeB) throw new Error('usage: npx tsx bench/ab.ts <checkoutA> <checkoutB> [rounds]');
const rounds = Number(roundsArg ?? 3);
const seconds = Number(process.env.BENCH_DURATION ?? 3);
const wanted = (process.env.BENCH_SCENARIOS ?? 'retrieve,list first page,create,update').split(',');
const ROWS = 10_000;

const removeDb = (file: string) => {
  for (const ext of ['', '-wal', '-shm', '.lock', '.instances']) rmSync(`${file}${ext}`, { force: true });
};
const seedFile = join(tmpdir(), `qualify-ab-${process.pid}.db`);
removeDb(seedFile);
const seedUrl = `sqlite:${seedFile}`;
const setup = openDatabase(seedUrl);
await migrate(setup);
const config = loadConfig({ QUALIFY_ENV: 'test', QUALIFY_SECRET: BENCH_SECRET, DATABASE_URL: seedUrl });
const channel = await createServices(config, setup).channels.createChannel('A/B', false);
await setup.close();
await seedSessions(seedUrl, { channelId: channel.sales_channel_id, from: 0, to: ROWS, now: Date.now() });
const ctx = { apiKey: channel.api_key, rows: ROWS };

async function serve(tree: string, file: string) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--max-semi-space-size=8', 'bin/qualify.js', 'serve'], {
    cwd: tree,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      DATABASE_URL: `sqlite:${file}`,
      PORT: String(port),
      HOST: '127.0.0.1',
      QUALIFY_ENV: 'test',
      QUALIFY_SECRET: BENCH_SECRET,
      QUALIFY_RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'warn',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      if (tries > 300) throw new Error(`${tree} did not start`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    pid: child.pid!,
    stop: () => new Promise((resolve) => child.once('exit', resolve).kill('SIGTERM')),
  };
}

const samples = new Map<string, { A: number[]; B: number[] }>();
for (let round = 0; round < rounds; round++) {
  for (const [label, tree] of [
    ['A', treeA],
    ['B', treeB],
  ] as const) {
    const file = join(tmpdir(), `qualify-ab-${process.pid}-${label}.db`);
    removeDb(file);
    copyFileSync(seedFile, file);
    const server = await serve(tree, file);
    for (const scenario of SCENARIOS.filter((s) => wanted.includes(s.name))) {
      const requests = scenario.requests(ctx);
      const connections = scenario.connections ?? 10;
      await autocannon({ url: server.url, connections, duration: 1, requests });
      const before = cpuMs(server.pid)!;
      const result = await autocannon({ url: server.url, connections, duration: seconds, requests });
      const perRequest = ((cpuMs(server.pid)! - before) * 1000) / result.requests.total;
      const entry = samples.get(scenario.name) ?? { A: [], B: [] };
      entry[label].push(perRequest);
      samples.set(scenario.name, entry);
      console.log(
        `round ${round + 1} ${label} ${scenario.name}: ${Math.round(result.requests.total / seconds)} req/s, ` +
          `${perRequest.toFixed(0)} CPU µs/req, non-2xx ${result.non2xx}`,
      );
    }
    await server.stop();
    removeDb(file);
  }
}
removeDb(seedFile);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
for (const [name, { A, B }] of samples)
  console.log(
    `${name}: A ${median(A).toFixed(0)} µs, B ${median(B).toFixed(0)} µs, B/A ${(median(B) / median(A)).toFixed(2)}`,
  );
