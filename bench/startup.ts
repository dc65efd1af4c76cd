// Start-up time (issue 9 item 3): how long `npm start` takes to accept connections on an
// already-migrated SQLite database, and how long `qualify --help` takes, against the goals; the
// same sources run through tsx, without the build, are timed in the same run for comparison.
// `BENCH_SCENARIOS=startup` runs only this part and merges its section into the existing
// BENCHMARKS.md.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/free-port.js';
import { BENCH_SECRET, cpuMs } from './processes.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LISTEN_GOAL_MS = 1500;
const HELP_GOAL_MS = 800;

interface Variant {
  name: string;
  command: string;
  args: string[];
  /** Counts toward the goal. */
  goal?: number;
}

const SERVE: Variant[] = [
  { name: '`npm start` (compiled build)', command: 'npm', args: ['start'], goal: LISTEN_GOAL_MS },
  {
    name: '`node --max-semi-space-size=8 bin/qualify.js serve` (the same, without npm)',
    command: process.execPath,
    args: ['--max-semi-space-size=8', 'bin/qualify.js', 'serve'],
  },
  {
    name: '`node --import tsx src/cli.ts serve` (the same sources through tsx, no build)',
    command: process.execPath,
    args: ['--import', 'tsx', 'src/cli.ts', 'serve'],
  },
];

const HELP: Variant[] = [
  {
    name: '`qualify --help` (`node bin/qualify.js --help`)',
    command: process.execPath,
    args: ['bin/qualify.js', '--help'],
    goal: HELP_GOAL_MS,
  },
  { name: '`npx qualify --help` (npx adds its own start-up)', command: 'npx', args: ['qualify', '--help'] },
  {
    name: '`node --import tsx src/cli.ts --help` (the same sources through tsx, no build)',
    command: process.execPath,
    args: ['--import', 'tsx', 'src/cli.ts', '--help'],
  },
];

export interface Timing {
  name: string;
  goal: number | undefined;
  ms: number[];
  /** CPU time of the process until it listened: steadier than wall time on a busy machine (node only). */
  cpuMs: number[];
}

export interface StartupReport {
  runs: number;
  loadBefore: number;
  loadAfter: number;
  serve: Timing[];
  help: Timing[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Everything the process writes, stdout and stderr together. */
function collect(child: ChildProcess): () => string {
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  return () => output;
}

const ended = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

function stopGroup(child: ChildProcess): Promise<void> {
  if (ended(child)) return Promise.resolve();
  const exited = once(child, 'exit').then(() => undefined);
  // npm runs the server in a child of its own: signal the whole process group.
  process.kill(-child.pid!, 'SIGTERM');
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 15_000);
  return exited.finally(() => clearTimeout(timer));
}

/** Milliseconds from spawn until the port accepts a TCP connection, and the CPU time used by then. */
async function timeServe(variant: Variant, env: NodeJS.ProcessEnv): Promise<{ ms: number; cpuMs?: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(variant.command, variant.args, {
    cwd: ROOT,
    env: { ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output = collect(child);
  try {
    for (;;) {
      if (ended(child)) throw new Error(`${variant.name} ended before listening:\n${output()}`);
      if (performance.now() - started > 60_000)
        throw new Error(`${variant.name} did not listen:\n${output()}`);
      if (await accepts(port)) {
        const ms = performance.now() - started;
        // npm's own CPU is not the server's: only a server spawned directly is measured.
        const cpu = variant.command === process.execPath ? cpuMs(child.pid!) : undefined;
        return { ms, ...(cpu !== undefined ? { cpuMs: cpu } : {}) };
      }
      await sleep(5);
    }
  } finally {
    // Let start-up finish (the webhook dispatcher starts right after listening), then stop it.
    const deadline = performance.now() + 5_000;
    while (!output().includes('webhook dispatcher started') && performance.now() < deadline) await sleep(20);
    await stopGroup(child);
  }
}

/** Milliseconds from spawn until the command exits (successfully). */
async function timeHelp(variant: Variant): Promise<number> {
  const started = performance.now();
  const child = spawn(variant.command, variant.args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collect(child);
  // 'close': the process has exited and its output has been read to the end.
  const [code] = await once(child, 'close');
  const ms = performance.now() - started;
  if (code !== 0 || !output().includes('Usage: qualify'))
    throw new Error(`${variant.name} failed (${code}):\n${output()}`);
  return ms;
}

export async function runStartupBench(runs: number, log: (message: string) => void): Promise<StartupReport> {
  const dir = mkdtempSync(join(tmpdir(), 'qualify-bench-startup-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: `sqlite:${join(dir, 'qualify.db')}`,
    QUALIFY_SECRET: BENCH_SECRET,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  };
  const loadBefore = loadavg()[0]!;
  try {
    // One start migrates the empty database and seeds it; the timed starts find nothing to do.
    await timeServe(SERVE[1]!, env);
    const timings = (variants: Variant[]): Timing[] =>
      variants.map((v) => ({ name: v.name, goal: v.goal, ms: [], cpuMs: [] }));
    const serve = timings(SERVE);
    const help = timings(HELP);
    // Interleaved, so a change in the machine's load affects every variant alike.
    for (let run = 0; run < runs; run++) {
      for (const [i, variant] of SERVE.entries()) {
        const { ms, cpuMs } = await timeServe(variant, env);
        serve[i]!.ms.push(ms);
        if (cpuMs !== undefined) serve[i]!.cpuMs.push(cpuMs);
      }
      for (const [i, variant] of HELP.entries()) help[i]!.ms.push(await timeHelp(variant));
      log(`startup: run ${run + 1}/${runs} done`);
    }
    return { runs, loadBefore, loadAfter: loadavg()[0]!, serve, help };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The `## Start-up` section of BENCHMARKS.md. */
export function startupSection(report: StartupReport, command: string, date: Date): string[] {
  const all = [...report.serve, ...report.help];
  const lines = [
    '## Start-up',
    '',
    `- Command: \`${command}\`, ${date.toISOString()}; ${report.runs} runs of each, interleaved`,
    `- Machine load average (1 min): ${report.loadBefore.toFixed(1)} before, ${report.loadAfter.toFixed(1)} after`,
    '- Server: time from spawning the command until its port accepts a TCP connection, on a SQLite',
    '  database in a temp directory that an earlier start migrated and seeded (nothing left to do).',
    '- `--help`: time from spawning the command until it exits.',
    '- CPU to listening: user + system time of a server spawned directly (V8 threads included) when',
    '  its port first accepted; it varies less than wall time with the load of other work.',
    '',
    '| goal | median | max | met |',
    '|---|---:|---:|---|',
  ];
  for (const t of all.filter((timing) => timing.goal !== undefined)) {
    const m = median(t.ms);
    lines.push(
      `| ${t.name} within ${s(t.goal!)} | ${s(m)} | ${s(Math.max(...t.ms))} | ${m <= t.goal! ? 'yes' : '**no**'} |`,
    );
  }
  lines.push('', '| command | median | min | max | CPU to listening, median |', '|---|---:|---:|---:|---:|');
  for (const t of all) {
    const cpu = t.cpuMs.length > 0 ? s(median(t.cpuMs)) : '';
    lines.push(
      `| ${t.name} | ${s(median(t.ms))} | ${s(Math.min(...t.ms))} | ${s(Math.max(...t.ms))} | ${cpu} |`,
    );
  }
  lines.push(
    '',
    '"Met" compares the median with the goal; the max shows the spread on this shared machine.',
    '',
  );
  return lines;
}

/**
 * Replaces the `## Start-up` section of an existing report (or inserts it before
 * `## Scenarios`), leaving the rest of the file as it was.
 */
export function mergeStartupSection(path: string, section: string[]): void {
  const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n') : ['# Benchmarks', ''];
  const start = lines.indexOf('## Start-up');
  if (start >= 0) {
    const next = lines.findIndex((line, i) => i > start && line.startsWith('## '));
    lines.splice(start, (next < 0 ? lines.length : next) - start, ...section);
  } else {
    const scenarios = lines.indexOf('## Scenarios');
    lines.splice(scenarios < 0 ? lines.length : scenarios, 0, ...section);
  }
  writeFileSync(path, lines.join('\n'));
}
