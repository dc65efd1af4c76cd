import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Repositories } from '../repositories.js';
import type { Services } from '../services.js';

// issue 9 item 3 — `qualify --help` must load almost nothing: the command modules import only
// commander, this file and dependency-free modules (test/cli/lazy-loading.test.ts checks it); what
// a command needs (configuration, database drivers, services) is imported when the command runs.

/**
 * Opens the database the configuration names for one command, migrates it, refuses a secret the
 * data was not sealed under (issue 13 item 2), and closes it afterwards.
 */
export async function withDatabase<T>(
  work: (
    database: Database,
    config: Config,
    ready: { applied: string[]; repositories: Repositories },
  ) => Promise<T>,
): Promise<T> {
  const [{ loadConfig }, { openReadyDatabase }] = await Promise.all([
    import('../config.js'),
    import('../server.js'),
  ]);
  const config = loadConfig();
  const { database, applied, repositories } = await openReadyDatabase(config);
  try {
    return await work(database, config, { applied, repositories });
  } finally {
    await database.close();
  }
}

/** Every command reads the same configuration as the server, and migrates before it works. */
export function withServices<T>(work: (services: Services) => Promise<T>): Promise<T> {
  return withDatabase(async (database, config, { repositories }) => {
    const [{ createServices }, { systemClock }] = await Promise.all([
      import('../services.js'),
      import('../lib/clock.js'),
    ]);
    return work(createServices(config, database, systemClock, repositories));
  });
}

/** Prints either JSON or a human line. */
export function output(json: boolean, value: unknown, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `0`, `90s`, `30m`, `24h`, `7d` (a bare number is seconds) → milliseconds. */
export function parseDuration(text: string, option: string): number {
  const match = text.trim().match(/^(\d{1,7})([smhd]?)$/);
  if (!match) throw new Error(`${option} must be a duration like 0, 90s, 30m, 24h or 7d (got "${text}")`);
  return Number(match[1]) * UNIT_MS[(match[2] || 's') as keyof typeof UNIT_MS];
}
