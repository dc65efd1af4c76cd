import { buildApp } from '../src/app.js';
import { openDatabase } from '../src/db/database.js';
import { createServices } from '../src/services.js';
import { testConfig } from '../test/support/app.js';

/** The OpenAPI document exactly as `GET /openapi.json` serves it, formatted for the repository. */
export async function renderOpenApi(): Promise<string> {
  const config = testConfig('sqlite::memory:');
  const database = openDatabase(config.databaseUrl);
  const app = await buildApp({ services: createServices(config, database) });
  await app.ready();
  const document = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  await app.close();
  await database.close();
  return document;
}
