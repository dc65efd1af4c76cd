import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { buildApp, loggerOptions } from '../../src/app.js';
import { migrate, openDatabase } from '../../src/db/database.js';
import { createServices } from '../../src/services.js';
import { createTestApp, show, type TestApp, testConfig } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import {
  addClinician,
  approveInConsole,
  createSession,
  dumpAllRows,
  signIn,
  submitSurvey,
} from '../support/shopper.js';

// Distinctive text that must never be stored or logged in the clear (SPEC §2.6).
const DETAILS = 'PLATYPUS-SURVEY-TEXT-4417 taking metformin twice daily';
const NOTE = 'WOMBAT-CLINICIAN-NOTE-9931';
const DOB = '1974-03-19';

describe('health information at rest (SPEC §2.6)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('stores no survey text, condition, date of birth or note in plain text, and decrypts them for review', async () => {
    const channel = await t.channel();
    const session = await createSession(t, channel, {
      order_items: [{ sku: 'GLU-1', name: 'Glucose monitor', price: 3000 }],
    });
    const submitted = await submitSurvey(t, session, {
      details: DETAILS,
      date_of_birth: DOB,
      condition: ['prediabetes_type2_diabetes'],
      state: 'TX',
    });
    assert.equal(submitted.statusCode, 200, show(submitted));
    const clinician = await addClinician(t, ['TX']);
    const agent = await signIn(t, clinician);
    const review = await agent.get(`/console/sessions/${session.id}`);
    assert.match(review.body, /PLATYPUS-SURVEY-TEXT-4417/, 'the clinician sees the decrypted answers');
    const approved = await approveInConsole(agent, session.id, {
      sku: 'GLU-1',
      diagnosis: 'R73.03',
      validity_days: '365',
      note: NOTE,
    });
    assert.equal(approved.statusCode, 303, show(approved));

    const forbidden = [DETAILS, 'PLATYPUS', NOTE, DOB, 'prediabetes', 'Prediabetes', 'metformin'];
    const rows = await dumpAllRows(t);
    for (const text of forbidden) assert.ok(!rows.includes(text), `"${text}" is stored in plain text`);
    assert.match(rows, /"answers":"v1:[0-9a-f]{12}:/, 'answers are a v1 envelope with a key id');

    if (t.testDatabase.file) {
      // The raw file and its WAL, read while the app is open: what a copied disk would show.
      for (const file of [t.testDatabase.file, `${t.testDatabase.file}-wal`]) {
        if (!existsSync(file)) continue;
        const bytes = readFileSync(file).toString('latin1');
        for (const text of forbidden) assert.ok(!bytes.includes(text), `"${text}" is in ${file}`);
      }
    }
  });
});

describe('health information in logs (SPEC §2.6, §4.4)', () => {
  it('logs no survey text while a survey is submitted and reviewed, even at trace level', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const testDatabase = await createTestDatabase();
    const config = testConfig(testDatabase.url);
    const database = openDatabase(config.databaseUrl);
    await migrate(database);
    const services = createServices(config, database);
    const app = await buildApp({
      services,
      logger: pino(loggerOptions('trace') as pino.LoggerOptions, stream),
    });
    const t = { app, services, database, config, testDatabase } as unknown as TestApp;
    t.api = (method, url, opts = {}) =>
      app.inject({
        method,
        url,
        headers: {
          'x-truemed-api-key': (opts.key as { apiKey: string }).apiKey,
          'content-type': 'application/json',
        },
        payload: JSON.stringify(opts.body),
      });
    try {
      const created = await services.channels.createChannel('Logs', false);
      const channel = { channelId: created.sales_channel_id, apiKey: created.api_key, livemode: false };
      const session = await createSession(t, channel);
      const invalid = await submitSurvey(t, session, { details: DETAILS, date_of_birth: '1974-02-30' });
      assert.equal(invalid.statusCode, 422, show(invalid));
      const response = await submitSurvey(t, session, { details: DETAILS, date_of_birth: DOB });
      assert.equal(response.statusCode, 200, show(response));
      const clinician = await addClinician(t, ['CA']);
      const agent = await signIn(t, clinician);
      await agent.get(`/console/sessions/${session.id}`);
      await agent.post(`/console/sessions/${session.id}/reject`, {
        reason: 'clinician_declined',
        note: NOTE,
      });
      const log = lines.join('');
      assert.ok(log.includes('incoming request'), 'the log was captured');
      for (const text of [
        DETAILS,
        'PLATYPUS',
        DOB,
        NOTE,
        'hypertension',
        session.token,
        clinician.password,
      ]) {
        assert.ok(!log.includes(text), `"${text}" is in the log`);
      }
      assert.ok(!log.includes('qualify_console='), 'no session cookie in the log');
    } finally {
      await app.close();
      await database.close();
      await testDatabase.drop();
    }
  });
});
