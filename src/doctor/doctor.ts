import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { type Config, ConfigError, loadConfig } from '../config.js';
import type { Database } from '../db/database.js';
import { dataFileWarnings } from '../lib/private-files.js';
import { createRepositories } from '../repositories.js';
import { keyCheckValue, SECRET_MISMATCH } from '../secrets/key-check.js';
import { openConfiguredDatabase } from '../server.js';

/**
 * Issue 14 item 6 — `qualify doctor`: one line per check, each problem with its fix. It reads and
 * connects; it changes nothing (no migration, no key-check row).
 */
export type CheckStatus = 'ok' | 'fail' | 'skip';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a failure. */
  fix?: string;
}

export interface DoctorOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Network checks give up after this long (SMTP, PUBLIC_URL). */
  timeoutMs?: number;
  /** Deliveries failing since this long ago count as a failing endpoint. */
  webhookWindowMs?: number;
  now?: number;
}

const DAY_MS = 86_400_000;

export async function runDoctor(options: DoctorOptions = {}): Promise<Check[]> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const checks: Check[] = [];
  let config: Config;
  try {
    config = loadConfig(options.env ?? process.env, options.cwd ?? process.cwd());
    checks.push({ name: 'configuration', status: 'ok', detail: `${config.env}, ${engineName(config)}` });
  } catch (error) {
    const problems = error instanceof ConfigError ? error.problems : [String(error)];
    checks.push({
      name: 'configuration',
      status: 'fail',
      detail: problems.join('; '),
      fix: 'set the variables named (README, Configuration), then run `qualify doctor` again',
    });
    for (const name of ['database', 'migrations', 'secret', 'file modes', 'smtp', 'public url', 'webhooks'])
      checks.push({ name, status: 'skip', detail: 'needs a valid configuration' });
    return checks;
  }

  let database: Database | undefined;
  try {
    database = openConfiguredDatabase(config);
    await database.ping();
    checks.push({ name: 'database', status: 'ok', detail: `${engineName(config)} answers` });
  } catch (error) {
    checks.push({
      name: 'database',
      status: 'fail',
      detail: `cannot reach the database: ${messageOf(error)}`,
      fix: config.databaseUrl.startsWith('sqlite:')
        ? 'check DATABASE_URL and that its directory is writable by this user'
        : 'check DATABASE_URL (host, port, user, database) and that PostgreSQL is running',
    });
    await database?.close().catch(() => {});
    database = undefined;
  }

  if (database) {
    try {
      const migrations = await migrationsCheck(database);
      checks.push(migrations);
      if (migrations.status === 'ok') {
        checks.push(await secretCheck(database, config));
        checks.push(
          await webhooksCheck(database, (options.now ?? Date.now()) - (options.webhookWindowMs ?? DAY_MS)),
        );
      } else {
        for (const name of ['secret', 'webhooks'])
          checks.push({ name, status: 'skip', detail: 'needs the migrated schema' });
      }
    } finally {
      await database.close();
    }
  } else {
    for (const name of ['migrations', 'secret', 'webhooks'])
      checks.push({ name, status: 'skip', detail: 'needs the database' });
  }
  checks.push(fileModesCheck(config));
  checks.push(await smtpCheck(config, timeoutMs));
  checks.push(await publicUrlCheck(config, timeoutMs));
  // Keep the order of the list above for the report.
  const order = [
    'configuration',
    'database',
    'migrations',
    'secret',
    'file modes',
    'smtp',
    'public url',
    'webhooks',
  ];
  return checks.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
}

function engineName(config: Config): string {
  return config.databaseUrl.startsWith('sqlite:') ? 'SQLite' : 'PostgreSQL';
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  // A connection string may sit in a driver's message: never print a password.
  return text.replace(/\/\/[^/@\s]*@/g, '//…@').split('\n')[0] ?? text;
}

async function migrationsCheck(database: Database): Promise<Check> {
  const { pendingMigrations } = await import('../db/database.js');
  const pending = await pendingMigrations(database);
  return pending.length === 0
    ? { name: 'migrations', status: 'ok', detail: 'the schema is up to date' }
    : {
        name: 'migrations',
        status: 'fail',
        detail: `${pending.length} pending: ${pending.join(', ')}`,
        fix: 'run `qualify migrate` (`qualify serve` also migrates at start)',
      };
}

async function secretCheck(database: Database, config: Config): Promise<Check> {
  const row = await createRepositories().keyChecks.find(database.db);
  if (!row) {
    return {
      name: 'secret',
      status: 'ok',
      detail: 'QUALIFY_SECRET accepted; no key check recorded yet (the first start records it)',
    };
  }
  if (keyCheckValue(config.secret) === row.check_value)
    return { name: 'secret', status: 'ok', detail: 'QUALIFY_SECRET matches the database key check' };
  if (config.previousSecrets.some((secret) => keyCheckValue(secret) === row.check_value)) {
    return {
      name: 'secret',
      status: 'fail',
      detail: 'the data is still sealed under a previous secret (a rotation is unfinished)',
      fix: 'run `qualify secret rotate`, then drop QUALIFY_PREVIOUS_SECRETS',
    };
  }
  return {
    name: 'secret',
    status: 'fail',
    detail: SECRET_MISMATCH,
    fix: 'start with the secret the database was created with; to change it, rotate (README, Operating securely)',
  };
}

async function webhooksCheck(database: Database, since: number): Promise<Check> {
  const repositories = createRepositories();
  const [endpoints, failing] = await Promise.all([
    repositories.endpoints.list(database.db, null),
    repositories.deliveries.failingByEndpoint(database.db, since),
  ]);
  const problems: string[] = [];
  for (const endpoint of endpoints) {
    if (endpoint.disabled_at !== null)
      problems.push(
        `${endpoint.id} (${endpoint.url}) is disabled: ${endpoint.disabled_reason ?? 'no reason'}`,
      );
  }
  for (const entry of failing) {
    const endpoint = endpoints.find((e) => e.id === entry.endpointId);
    if (!endpoint || endpoint.disabled_at !== null) continue;
    problems.push(
      `${entry.endpointId} (${endpoint.url}): ${entry.failing} failing ${entry.failing === 1 ? 'delivery' : 'deliveries'}${entry.lastError ? `, last error: ${entry.lastError}` : ''}`,
    );
  }
  if (problems.length === 0)
    return { name: 'webhooks', status: 'ok', detail: `${endpoints.length} endpoints, none failing` };
  return {
    name: 'webhooks',
    status: 'fail',
    detail: problems.join('; '),
    fix: 'fix the receiver, then `qualify webhook enable we_…` and `qualify webhook redeliver wd_…` (`qualify webhook deliveries --status failed` lists them)',
  };
}

function fileModesCheck(config: Config): Check {
  const wide = dataFileWarnings(config);
  if (wide.length === 0)
    return { name: 'file modes', status: 'ok', detail: 'data files are private to their owner' };
  return {
    name: 'file modes',
    status: 'fail',
    detail: wide.join('; '),
    fix: 'make each one private to the user Qualify runs as, with the chmod it names',
  };
}

async function smtpCheck(config: Config, timeoutMs: number): Promise<Check> {
  if (config.smtpUrl === undefined) return { name: 'smtp', status: 'skip', detail: 'SMTP_URL is not set' };
  const url = new URL(config.smtpUrl);
  const secure = url.protocol === 'smtps:';
  const port = Number(url.port || (secure ? 465 : 587));
  const where = `${url.hostname}:${port}`;
  try {
    const greeting = await smtpGreeting(url.hostname, port, secure, timeoutMs);
    if (!greeting.startsWith('220'))
      throw new Error(`answered "${greeting.slice(0, 60)}" instead of a 220 greeting`);
    return { name: 'smtp', status: 'ok', detail: `${where} answers` };
  } catch (error) {
    return {
      name: 'smtp',
      status: 'fail',
      detail: `${where}: ${messageOf(error)}`,
      fix: 'check SMTP_URL (host, port, smtp:// or smtps://) and that this host may reach the mail server',
    };
  }
}

/** Connects, reads the server's first line, says QUIT. */
function smtpGreeting(host: string, port: number, secure: boolean, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = secure ? tlsConnect({ host, port, servername: host }) : connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const end = buffer.indexOf('\n');
      if (end < 0) return;
      clearTimeout(timer);
      socket.end('QUIT\r\n');
      resolve(buffer.slice(0, end).trim());
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new Error('closed the connection without a greeting'));
    });
  });
}

async function publicUrlCheck(config: Config, timeoutMs: number): Promise<Check> {
  const url = `${config.publicUrl}/healthz`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    const body = await response.text();
    if (response.status !== 200 || !/"status"\s*:\s*"ok"/.test(body))
      throw new Error(`GET /healthz answered ${response.status}, not Qualify's {"status":"ok"}`);
    return { name: 'public url', status: 'ok', detail: `${url} answers` };
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    return {
      name: 'public url',
      status: 'fail',
      detail: `${url}: ${messageOf(cause ?? error)}`,
      fix: 'start the server, and check PUBLIC_URL and the proxy or DNS in front of it (shopper links use it)',
    };
  }
}

/** The report: one line per check, the fix after a failure. */
export function formatChecks(checks: Check[]): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const mark = { ok: 'ok  ', fail: 'FAIL', skip: 'skip' } as const;
  const lines = checks.map(
    (c) =>
      `${mark[c.status]}  ${c.name.padEnd(width)}  ${c.detail}${c.fix ? `\n      ${' '.repeat(width)}  fix: ${c.fix}` : ''}`,
  );
  const failed = checks.filter((c) => c.status === 'fail').length;
  lines.push(failed === 0 ? 'no problems found' : `${failed} ${failed === 1 ? 'problem' : 'problems'} found`);
  return lines.join('\n');
}
