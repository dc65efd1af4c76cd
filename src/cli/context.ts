import { loadConfig } from '../config.js';
import { openReadyDatabase } from '../server.js';
import { createServices, type Services } from '../services.js';

/**
 * Every command reads the same configuration as the server, migrates before it works, and refuses
 * a secret the data was not sealed under (issue 13 item 2).
 */
export async function withServices<T>(work: (services: Services) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const { database } = await openReadyDatabase(config);
  try {
    return await work(createServices(config, database));
  } finally {
    await database.close();
  }
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
