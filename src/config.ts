import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export const ENVIRONMENTS = ['development', 'test', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** SPEC §4.2 — configuration is parsed once, at start, into a frozen typed object. */
export interface Config {
  readonly env: Environment;
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  readonly publicUrl: string;
  readonly secret: Buffer;
  readonly allowPrivateWebhooks: boolean;
  readonly logLevel: string;
  /** Per API key, per instance. 0 disables the limit. */
  readonly rateLimitPerMinute: number;
  readonly dbPoolSize: number;
  readonly dbStatementTimeoutMs: number;
  /** SPEC §3.4 — how long a claimed webhook delivery stays an instance's before another may take it over. */
  readonly webhookLeaseMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

type Env = Record<string, string | undefined>;

/**
 * Reads every variable, collects every problem, and reports them together.
 * Outside production a missing QUALIFY_SECRET is generated once and kept in ./data/secret
 * (next to the default database) so restarts keep the same keys, tokens and ciphertexts.
 */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): Config {
  const problems: string[] = [];

  const envName = env.QUALIFY_ENV ?? 'development';
  if (!(ENVIRONMENTS as readonly string[]).includes(envName))
    problems.push(`QUALIFY_ENV must be one of ${ENVIRONMENTS.join(', ')} (got "${envName}")`);
  const production = envName === 'production';

  const port = parseInteger(env.PORT, 8080, 'PORT', 0, 65535, problems);
  const host = env.HOST ?? '127.0.0.1';
  const databaseUrl = env.DATABASE_URL ?? 'sqlite:./data/qualify.db';
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    problems.push('DATABASE_URL must start with sqlite: or postgres://');
  }

  let publicUrl = env.PUBLIC_URL ?? `http://localhost:${port}`;
  try {
    const url = new URL(publicUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    publicUrl = publicUrl.replace(/\/+$/, '');
  } catch {
    problems.push(`PUBLIC_URL must be an absolute http(s) URL (got "${publicUrl}")`);
  }

  let secret: Buffer = Buffer.alloc(0);
  if (env.QUALIFY_SECRET !== undefined) {
    secret = Buffer.from(env.QUALIFY_SECRET, 'base64');
    if (secret.length < 32) problems.push('QUALIFY_SECRET must be at least 32 bytes, base64-encoded');
  } else if (production) {
    problems.push('QUALIFY_SECRET is required when QUALIFY_ENV=production');
  } else {
    secret = localSecret(resolve(cwd, 'data', 'secret'));
  }

  const allowPrivateWebhooks = parseBoolean(
    env.QUALIFY_ALLOW_PRIVATE_WEBHOOKS,
    !production,
    'QUALIFY_ALLOW_PRIVATE_WEBHOOKS',
    problems,
  );

  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.has(logLevel)) problems.push(`LOG_LEVEL must be one of ${[...LOG_LEVELS].join(', ')}`);

  const rateLimitPerMinute = parseInteger(
    env.QUALIFY_RATE_LIMIT_PER_MINUTE,
    6000,
    'QUALIFY_RATE_LIMIT_PER_MINUTE',
    0,
    10_000_000,
    problems,
  );
  const dbPoolSize = parseInteger(env.DATABASE_POOL_SIZE, 10, 'DATABASE_POOL_SIZE', 1, 1000, problems);
  const dbStatementTimeoutMs = parseInteger(
    env.DATABASE_STATEMENT_TIMEOUT_MS,
    15_000,
    'DATABASE_STATEMENT_TIMEOUT_MS',
    0,
    3_600_000,
    problems,
  );

  // Longer than one send's 10 s budget in production; tests shorten it to see a takeover quickly.
  const webhookLeaseMs = parseInteger(
    env.QUALIFY_WEBHOOK_LEASE_MS,
    60_000,
    'QUALIFY_WEBHOOK_LEASE_MS',
    1_000,
    3_600_000,
    problems,
  );

  if (problems.length > 0) throw new ConfigError(problems);

  return Object.freeze({
    env: envName as Environment,
    port,
    host,
    databaseUrl,
    publicUrl,
    secret,
    allowPrivateWebhooks,
    logLevel,
    rateLimitPerMinute,
    dbPoolSize,
    dbStatementTimeoutMs,
    webhookLeaseMs,
  });
}

function parseInteger(
  raw: string | undefined,
  fallback: number,
  name: string,
  min: number,
  max: number,
  problems: string[],
): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
    return fallback;
  }
  return value;
}

function parseBoolean(raw: string | undefined, fallback: boolean, name: string, problems: string[]): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  problems.push(`${name} must be true or false (got "${raw}")`);
  return fallback;
}

function localSecret(path: string): Buffer {
  if (existsSync(path)) return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  mkdirSync(dirname(path), { recursive: true });
  const secret = randomBytes(32);
  writeFileSync(path, `${secret.toString('base64')}\n`, { mode: 0o600 });
  return secret;
}
