import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import type { Services } from '../services.js';

// issue 9 item 3 — `qualify --help` must load almost nothing: the command modules import only
// commander, this file and dependency-free modules (test/cli/lazy-loading.test.ts checks it); what
// a command needs (configuration, database drivers, services) is imported when the command runs.

/** Opens the database the configuration names for one command, and closes it afterwards. */
export async function withDatabase<T>(work: (database: Database, config: Config) => Promise<T>): Promise<T> {
  const [{ loadConfig }, { openConfiguredDatabase }] = await Promise.all([
    import('../config.js'),
    import('../server.js'),
  ]);
  const config = loadConfig();
  const database = openConfiguredDatabase(config);
  try {
    return await work(database, config);
  } finally {
    await database.close();
  }
}

/** Every command reads the same configuration as the server, and migrates before it works. */
export function withServices<T>(work: (services: Services) => Promise<T>): Promise<T> {
  return withDatabase(async (database, config) => {
    const [{ migrate }, { createServices }] = await Promise.all([
      import('../db/database.js'),
      import('../services.js'),
    ]);
    await migrate(database);
    return work(createServices(config, database));
  });
}

/** Prints either JSON or a human line. */
export function output(json: boolean, value: unknown, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
}
