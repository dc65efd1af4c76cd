import { loadConfig } from '../config.js';
import { migrate } from '../db/database.js';
import { openConfiguredDatabase } from '../server.js';
import { createServices, type Services } from '../services.js';

/** Every command reads the same configuration as the server, and migrates before it works. */
export async function withServices<T>(work: (services: Services) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = openConfiguredDatabase(config);
  try {
    await migrate(database);
    return await work(createServices(config, database));
  } finally {
    await database.close();
  }
}

/** Prints either JSON or a human line. */
export function output(json: boolean, value: unknown, human: string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
}
