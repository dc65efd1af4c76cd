import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkedSecret, localSecret, parsePreviousSecrets } from './secrets/secret-sources.js';

/** Issue 10 item 3 — the paper sizes the letter PDF is laid out for. */
export const LETTER_PAPERS = ['A4', 'LETTER'] as const;
type LetterPaper = (typeof LETTER_PAPERS)[number];

export const ENVIRONMENTS = ['development', 'test', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

/** SPEC §4.2 — configuration is parsed once, at start, into a frozen typed object. */
export interface Config {
  readonly env: Environment;
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  readonly publicUrl: string;
  /** `./data`: the generated secret, the default database and mail files live here (issue 13 item 4). */
  readonly dataDir: string;
  readonly secret: Buffer;
  /**
   * Issue 13 item 2 — secrets this database was sealed under before a rotation: still accepted for
   * decrypting and for old shopper links until `qualify secret rotate` has re-sealed everything.
   */
  readonly previousSecrets: readonly Buffer[];
  readonly allowPrivateWebhooks: boolean;
  readonly logLevel: string;
  /** Per API key, per instance. 0 disables the limit. */
  readonly rateLimitPerMinute: number;
  /** Issue 13 item 5 — per IP address, per instance, per minute; 0 disables one. */
  readonly ipRateLimits: {
    /** API requests answered 401 (missing, unknown or revoked key). */
    readonly unauthenticated: number;
    /** Survey form posts (`POST /q/…`). */
    readonly surveyPosts: number;
    /** Letter verification pages. */
    readonly verify: number;
    /** Sign-in pages and posts (console, later the dashboard). */
    readonly signIn: number;
    /** Issue 10 item 5 — the letter's date-of-birth check. */
    readonly patientCheck: number;
  };
  /** Fastify's `trustProxy`: whose X-Forwarded-For gives the client address the IP limits count. */
  readonly trustProxy: boolean | number | string;
  readonly dbPoolSize: number;
  readonly dbStatementTimeoutMs: number;
  /** SPEC §3.4 — how long a claimed webhook delivery stays an instance's before another may take it over. */
  readonly webhookLeaseMs: number;
  /** Issue 10 item 3 — the letter PDF's paper size (`QUALIFY_LETTER_PAPER`, default LETTER). */
  readonly letterPaper: LetterPaper;
  /** Issue 10 item 2 — `SMTP_URL` (`smtp://user:pass@host:587`, `smtps://…`); unset: `.eml` files outside production. */
  readonly smtpUrl: string | undefined;
  /** `MAIL_FROM`: the sender of every message. */
  readonly mailFrom: string;
  /** `MAIL_DISABLED=true`: no message is sent or written (production without SMTP). */
  readonly mailDisabled: boolean;
  /** Issue 10 item 6 — the privacy notice page's text (`QUALIFY_PRIVACY_NOTICE_FILE`); unset: the shipped default. */
  readonly privacyNoticeFile: string | undefined;
  /**
   * Issue 11 item 2 — `required`: every console account enrols a TOTP second factor at its first
   * sign-in and gives a code at each; `optional`: only accounts that enrolled give one.
   */
  readonly consoleMfa: ConsoleMfa;
  /**
   * Issue 12 item 1 — `required-for-owners`: a dashboard user who is `owner` in any sales channel
   * enrols a TOTP second factor at their next sign-in and gives a code at each; `optional`: only
   * users who enrolled (from their account page) give one.
   */
  readonly dashboardMfa: DashboardMfa;
}

export const CONSOLE_MFA_MODES = ['required', 'optional'] as const;
export type ConsoleMfa = (typeof CONSOLE_MFA_MODES)[number];
export const DASHBOARD_MFA_MODES = ['required-for-owners', 'optional'] as const;
export type DashboardMfa = (typeof DASHBOARD_MFA_MODES)[number];

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
 * A weak, short, empty or unreadable secret is a problem like any other (issue 13 item 2).
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

  const dataDir = resolve(cwd, 'data');
  let secret: Buffer = Buffer.alloc(0);
  if (env.QUALIFY_SECRET !== undefined) {
    secret = checkedSecret(env.QUALIFY_SECRET, 'QUALIFY_SECRET', problems);
  } else if (production) {
    problems.push('QUALIFY_SECRET is required when QUALIFY_ENV=production');
  } else {
    secret = localSecret(resolve(dataDir, 'secret'), problems);
  }
  const previousSecrets = parsePreviousSecrets(env.QUALIFY_PREVIOUS_SECRETS, secret, problems);

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
  const perIp = (name: string, fallback: number) =>
    parseInteger(env[name], fallback, name, 0, 1_000_000, problems);
  const ipRateLimits = Object.freeze({
    unauthenticated: perIp('QUALIFY_UNAUTHENTICATED_LIMIT_PER_MINUTE', 30),
    surveyPosts: perIp('QUALIFY_SURVEY_LIMIT_PER_MINUTE', 30),
    verify: perIp('QUALIFY_VERIFY_LIMIT_PER_MINUTE', 60),
    signIn: perIp('QUALIFY_SIGN_IN_LIMIT_PER_MINUTE', 20),
    patientCheck: perIp('QUALIFY_PATIENT_CHECK_LIMIT_PER_MINUTE', 10),
  });
  const trustProxy = parseTrustProxy(env.QUALIFY_TRUST_PROXY, problems);
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

  const letterPaper = (env.QUALIFY_LETTER_PAPER ?? 'LETTER').toUpperCase();
  if (!(LETTER_PAPERS as readonly string[]).includes(letterPaper))
    problems.push(`QUALIFY_LETTER_PAPER must be A4 or LETTER (got "${env.QUALIFY_LETTER_PAPER}")`);

  let smtpUrl: string | undefined;
  if (env.SMTP_URL !== undefined && env.SMTP_URL !== '') {
    try {
      const url = new URL(env.SMTP_URL);
      if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error('scheme');
      if (url.hostname === '') throw new Error('host');
      smtpUrl = env.SMTP_URL;
    } catch {
      // The value may carry a password: never echoed.
      problems.push('SMTP_URL must be an smtp:// or smtps:// URL with a host');
    }
  }
  const mailDisabled = parseBoolean(env.MAIL_DISABLED, false, 'MAIL_DISABLED', problems);
  if (production && smtpUrl === undefined && !mailDisabled)
    problems.push('SMTP_URL is required when QUALIFY_ENV=production (or set MAIL_DISABLED=true)');
  let mailFrom = env.MAIL_FROM ?? `Qualify <no-reply@${hostOf(publicUrl)}>`;
  if (/[\r\n]/.test(mailFrom) || !/@/.test(mailFrom)) {
    problems.push(
      'MAIL_FROM must be an email address, optionally with a name ("Shop <no-reply@shop.example>")',
    );
    mailFrom = 'Qualify <no-reply@localhost>';
  }

  const privacyNoticeFile =
    env.QUALIFY_PRIVACY_NOTICE_FILE === undefined || env.QUALIFY_PRIVACY_NOTICE_FILE === ''
      ? undefined
      : resolve(cwd, env.QUALIFY_PRIVACY_NOTICE_FILE);
  if (privacyNoticeFile !== undefined && !existsSync(privacyNoticeFile))
    problems.push(`QUALIFY_PRIVACY_NOTICE_FILE names a file that does not exist (${privacyNoticeFile})`);
  const consoleMfa = (env.QUALIFY_CONSOLE_MFA || (production ? 'required' : 'optional')) as ConsoleMfa;
  if (!CONSOLE_MFA_MODES.includes(consoleMfa))
    problems.push(`QUALIFY_CONSOLE_MFA must be one of ${CONSOLE_MFA_MODES.join(', ')} (got "${consoleMfa}")`);
  const dashboardMfa = (env.QUALIFY_DASHBOARD_MFA ||
    (production ? 'required-for-owners' : 'optional')) as DashboardMfa;
  if (!DASHBOARD_MFA_MODES.includes(dashboardMfa))
    problems.push(
      `QUALIFY_DASHBOARD_MFA must be one of ${DASHBOARD_MFA_MODES.join(', ')} (got "${dashboardMfa}")`,
    );

  if (problems.length > 0) throw new ConfigError(problems);

  return Object.freeze({
    env: envName as Environment,
    port,
    host,
    databaseUrl,
    publicUrl,
    dataDir,
    secret,
    previousSecrets: Object.freeze(previousSecrets),
    allowPrivateWebhooks,
    logLevel,
    rateLimitPerMinute,
    ipRateLimits,
    trustProxy,
    dbPoolSize,
    dbStatementTimeoutMs,
    webhookLeaseMs,
    letterPaper: letterPaper as LetterPaper,
    smtpUrl,
    mailFrom,
    mailDisabled,
    privacyNoticeFile,
    consoleMfa,
    dashboardMfa,
  });
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname || 'localhost';
  } catch {
    return 'localhost';
  }
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

/** `true`, a hop count, or comma-separated addresses/CIDRs of the proxies in front (Fastify's `trustProxy`). */
function parseTrustProxy(raw: string | undefined, problems: string[]): boolean | number | string {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d{1,2}$/.test(raw)) return Number(raw);
  if (/^[0-9a-fA-F.:/]+(,\s*[0-9a-fA-F.:/]+)*$/.test(raw)) return raw;
  problems.push(`QUALIFY_TRUST_PROXY must be true, false, a hop count or proxy addresses (got "${raw}")`);
  return false;
}
