// Child processes of the benchmark: the Qualify server under test and the bare node:http baseline.
// Neither shares a process with autocannon, which runs in the orchestrator.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/free-port.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BENCH_SECRET = createHash('sha256').update('qualify bench secret').digest('base64');

export interface Child {
  url: string;
  pid: number;
  /** Peak resident set size so far (VmHWM), in bytes; undefined where /proc is missing. */
  peakRss(): number | undefined;
  /** CPU time (user + system) used so far, in ms; undefined where /proc is missing. */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

function peakRss(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export function cpuMs(pid: number): number | undefined {
  try {
    // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised command name): utime, stime in ticks.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return undefined;
  }
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

async function waitReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${output()}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not become ready at ${url}:\n${output()}`);
}

export interface QualifyOptions {
  databaseUrl: string;
  /** Write a V8 CPU profile of the server into this directory (node --cpu-prof). */
  cpuProfDir?: string;
  env?: Record<string, string>;
}

/** `qualify serve` as `npm start` runs it, with the rate limit off and warn-level logs. */
export async function startQualify(options: QualifyOptions): Promise<Child> {
  const port = await freePort();
  const args = [
    ...(options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : []),
    // As `npm start` runs it: a capped young generation keeps peak RSS steady (see NOTES.md).
    '--max-semi-space-size=8',
    'bin/qualify.js',
    'serve',
  ];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      ...options.env,
      DATABASE_URL: options.databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      QUALIFY_SECRET: BENCH_SECRET,
      QUALIFY_RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'warn',
    },
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output = (output + d).slice(-4000);
  });
  child.stderr?.on('data', (d) => {
    output = (output + d).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/readyz`, child, () => output);
  return {
    url,
    pid: child.pid!,
    peakRss: () => peakRss(child.pid!),
    cpuMs: () => cpuMs(child.pid!),
    stop: stopper(child),
  };
}

export async function startBaseline(): Promise<Child> {
  const child = spawn(process.execPath, ['bench/baseline-server.mjs'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`baseline exited (${code})`)));
    child.stdout?.on('data', (data: Buffer) => {
      const match = /listening (\d+)/.exec(String(data));
      if (match) resolve(Number(match[1]));
    });
  });
  child.removeAllListeners('exit');
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    peakRss: () => peakRss(child.pid!),
    cpuMs: () => cpuMs(child.pid!),
    stop: stopper(child),
  };
}
