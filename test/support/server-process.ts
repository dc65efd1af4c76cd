import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { NO_IP_LIMITS } from './app.js';
import { createTestDatabase } from './database.js';
import { freePort } from './free-port.js';

/**
 * Real `qualify` processes for tests that need more than `inject`: several instances on one
 * database (SPEC §4.3), kill -9, start-up races, the CLI as an operator runs it. They run the
 * compiled build (bin/qualify.js → dist/), which `npm test` brings up to date first; the bin
 * refuses a stale one, and that message is in the error. A server listens on port 0 and
 * announces its address in the `qualify listening` JSON log line, which is how the helper learns
 * the port (see `logLevel` for the exception).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/qualify.js', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

/** A fresh service secret, shared by every instance of one test (base64 of 32 bytes). */
export function newSecret(): string {
  return randomBytes(32).toString('base64');
}

export interface ProcessEnvOptions {
  databaseUrl: string;
  secret: string;
  env?: Record<string, string>;
}

export interface ServerProcessOptions extends ProcessEnvOptions {
  /**
   * The server's LOG_LEVEL (default `info`). `warn` keeps a server under load from writing a line
   * per request; the `qualify listening` line is then not written either, so the helper chooses
   * a free port itself instead of reading it from the log.
   */
  logLevel?: 'info' | 'warn';
}

function processEnv(
  { databaseUrl, secret, env = {} }: ProcessEnvOptions,
  server: { port: number; logLevel: string } = { port: 0, logLevel: 'info' },
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    QUALIFY_ENV: 'test',
    QUALIFY_SECRET: secret,
    DATABASE_URL: databaseUrl,
    PORT: String(server.port),
    HOST: '127.0.0.1',
    PUBLIC_URL: 'http://qualify.test',
    LOG_LEVEL: server.logLevel,
    QUALIFY_RATE_LIMIT_PER_MINUTE: '0',
    ...NO_IP_LIMITS,
    ...env,
  };
}

export interface ServerProcess {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The process itself: how it ended (`exitCode`, `signalCode`). */
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout so far. */
  stdout(): string;
  stderr(): string;
  /** The JSON log lines written so far. */
  logs(): Array<Record<string, unknown>>;
  /** SIGTERM, then waits for the exit (SIGKILL if it takes longer than 20 s). */
  stop(): Promise<void>;
  /** kill -9: no shutdown hooks, in-flight work abandoned. */
  kill(): Promise<void>;
}

interface Output {
  stdout: string;
  stderr: string;
}

function collect(child: ChildProcess): Output {
  const output: Output = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk;
  });
  return output;
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return once(child, 'exit').then(() => undefined);
}

/** Starts `qualify serve` and resolves once it listens and `/readyz` answers 200. */
export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const { logLevel = 'info' } = options;
  const port = logLevel === 'info' ? 0 : await freePort();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: ROOT,
    env: processEnv(options, { port, logLevel }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collect(child);
  const describe = () => `stdout:\n${output.stdout}\nstderr:\n${output.stderr}`;
  const deadline = Date.now() + START_TIMEOUT_MS;

  const stillStarting = () => {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `qualify serve exited (${child.exitCode ?? child.signalCode}) while starting\n${describe()}`,
      );
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`qualify serve was not ready within ${START_TIMEOUT_MS} ms\n${describe()}`);
    }
  };
  let url = port === 0 ? undefined : `http://127.0.0.1:${port}`;
  while (url === undefined) {
    stillStarting();
    const line = jsonLines(output.stdout).find((l) => l.msg === 'qualify listening');
    if (typeof line?.address === 'string') url = line.address;
    else await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await waitUntilReady(url, stillStarting);

  return {
    url,
    child,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    logs: () => jsonLines(output.stdout),
    async stop() {
      const done = exited(child);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await done;
      clearTimeout(timer);
    },
    async kill() {
      const done = exited(child);
      child.kill('SIGKILL');
      await done;
    },
  };
}

/** Polls `/readyz` until it answers 200; `stillStarting` throws once the process died or time ran out. */
async function waitUntilReady(url: string, stillStarting: () => void): Promise<void> {
  for (;;) {
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.status === 200) return;
    } catch {
      // not accepting connections yet
    }
    stillStarting();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs one `qualify` CLI command against the same configuration and returns its parsed `--json` output. */
export async function runCli<T = Record<string, unknown>>(
  args: string[],
  options: ProcessEnvOptions,
): Promise<T> {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: processEnv({ ...options, env: { LOG_LEVEL: 'silent', ...options.env } }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collect(child);
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) {
    throw new Error(
      `qualify ${args.join(' ')} exited ${code}\nstdout:\n${output.stdout}\nstderr:\n${output.stderr}`,
    );
  }
  return JSON.parse(output.stdout) as T;
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs one `qualify` command to its end, `input` on its stdin, and returns its exit status and
 * output as they are: for tests of the CLI's own messages and failures.
 */
export function runCliSync(args: string[], options: ProcessEnvOptions & { input?: string }): CliResult {
  const { status, stdout, stderr } = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    env: processEnv({ ...options, env: { LOG_LEVEL: 'silent', ...options.env } }),
    input: options.input,
    encoding: 'utf8',
  });
  return { status, stdout, stderr };
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
}

/** One JSON request to a running server, with the channel's API key when one is given. */
export async function request(
  url: string,
  method: 'GET' | 'POST',
  path: string,
  options: { key?: string; body?: unknown } = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  if (options.key !== undefined) headers['x-truemed-api-key'] = options.key;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${url}${path}`, {
    method,
    headers,
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Assertion message helper: status and body. */
export function showHttp(result: HttpResult): string {
  return `${result.status} ${result.text.slice(0, 1000)}`;
}

export interface Cluster {
  readonly instances: ServerProcess[];
  /** A test-mode channel made with `qualify channel create` before the instances started. */
  readonly channel: { sales_channel_id: string; api_key: string };
  readonly databaseUrl: string;
  readonly secret: string;
  close(): Promise<void>;
}

/**
 * Several `qualify serve` processes on one fresh database (a PostgreSQL schema of its own, or one
 * SQLite file), sharing one secret, with a channel made through the CLI first.
 */
export async function startCluster(count: number, env: Record<string, string> = {}): Promise<Cluster> {
  const database = await createTestDatabase();
  const options = { databaseUrl: database.url, secret: newSecret(), env };
  const instances: ServerProcess[] = [];
  try {
    const channel = await runCli<Cluster['channel']>(
      ['channel', 'create', '--name', 'Cluster', '--json'],
      options,
    );
    const started = await Promise.allSettled(
      Array.from({ length: count }, () => startServerProcess(options)),
    );
    for (const result of started) if (result.status === 'fulfilled') instances.push(result.value);
    const failure = started.find((result) => result.status === 'rejected');
    if (failure) throw failure.reason;
    return {
      instances,
      channel,
      databaseUrl: options.databaseUrl,
      secret: options.secret,
      async close() {
        await Promise.all(instances.map((instance) => instance.stop()));
        await database.drop();
      },
    };
  } catch (error) {
    await Promise.all(instances.map((instance) => instance.kill()));
    await database.drop();
    throw error;
  }
}
