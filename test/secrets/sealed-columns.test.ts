import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PhiCipher } from '../../src/phi/phi.cipher.js';
import { SEALED_COLUMNS } from '../../src/phi/sealed-columns.js';
import { rotateSecrets } from '../../src/secrets/rotation.service.js';
import { createServices } from '../../src/services.js';
import { createTestApp, show, TEST_SECRET, type TestApp, testConfig } from '../support/app.js';
import { openEverySealedValue } from '../support/sealed.js';
import { newSecret } from '../support/server-process.js';
import { addClinician, approveInConsole, createSession, signIn, submitSurvey } from '../support/shopper.js';

const ENVELOPE = /^v1:[0-9a-f]{12}:/;
/** A key id nothing is sealed under: pages every value of a column. */
const NO_KEY = '000000000000';

/** Every `table.column` holding at least one `v1:` envelope, read straight from the database. */
async function columnsHoldingEnvelopes(t: TestApp): Promise<Set<string>> {
  const found = new Set<string>();
  for (const table of await t.database.db.introspection.getTables()) {
    // biome-ignore lint/suspicious/noExplicitAny: every table, by name
    const rows = (await (t.database.db as any).selectFrom(table.name).selectAll().execute()) as Array<
      Record<string, unknown>
    >;
    for (const row of rows)
      for (const [column, value] of Object.entries(row))
        if (typeof value === 'string' && ENVELOPE.test(value)) found.add(`${table.name}.${column}`);
  }
  return found;
}

/** The registered values `cipher` cannot open in their registered place. */
async function unreadable(t: TestApp, cipher: PhiCipher): Promise<string[]> {
  return (await openEverySealedValue(t.database.db, cipher)).unreadable;
}

describe('the registry of sealed columns (issue 13 item 2)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    // The whole flow: answers, an approval and a rejection with notes (letter), webhook secrets.
    const channel = await t.channel();
    const clinician = await addClinician(t, ['CA']);
    const agent = await signIn(t, clinician);
    for (const decision of ['approve', 'reject']) {
      const session = await createSession(t, channel, {
        order_items: [{ sku: 'BP-1', name: 'Cuff', price: 5000 }],
      });
      const submitted = await submitSurvey(t, session);
      assert.equal(submitted.statusCode, 200, show(submitted));
      const fields =
        decision === 'approve'
          ? { sku: 'BP-1', validity_days: '365', note: 'approved note' }
          : { reason: 'clinician_declined', note: 'rejected note' };
      const decided =
        decision === 'approve'
          ? await approveInConsole(agent, session.id, fields)
          : await agent.post(`/console/sessions/${session.id}/${decision}`, fields);
      assert.equal(decided.statusCode, 303, show(decided));
    }
    // Issue 10 item 6: answers saved before Submit are sealed too.
    const drafted = await createSession(t, channel);
    const saved = await submitSurvey(t, drafted, { action: 'save' });
    assert.equal(saved.statusCode, 200, show(saved));
    const endpoint = await t.services.webhookEndpoints.create(channel.channelId, {
      url: 'https://93.184.215.14/h',
    });
    await t.services.webhookEndpoints.rotateSecret(null, endpoint.endpoint.id);
    // Issue 11: a TOTP secret being enrolled; a question to the shopper, answered.
    await t.services.totp.beginEnrolment({ kind: 'clinician', id: clinician.id }, clinician.email);
    const asked = await createSession(t, channel);
    await submitSurvey(t, asked);
    const question = await agent.post(`/console/sessions/${asked.id}/ask`, { question: 'since when?' });
    assert.equal(question.statusCode, 303, show(question));
    const open = await t.services.review.openQuestion(asked.id);
    assert.ok(open && (await t.services.review.answer(asked.id, open.id, 'since 2019')));
  });
  after(() => t.close());

  it('lists every column that holds envelopes, and each value opens in its registered place', async () => {
    const registered = new Set(SEALED_COLUMNS.map((c) => c.name));
    const holding = await columnsHoldingEnvelopes(t);
    for (const name of holding)
      assert.ok(registered.has(name), `${name} holds envelopes but is not in SEALED_COLUMNS`);
    for (const name of registered)
      assert.ok(holding.has(name), `the flow wrote nothing to ${name}: the scan proves nothing`);
    assert.deepEqual(await unreadable(t, new PhiCipher(t.config.secret)), []);
  });

  it('writes with compare-and-set: a value changed since it was read is left as the other writer wrote it', async () => {
    const column = SEALED_COLUMNS.find((c) => c.name === 'reviews.note')!;
    const [row] = await column.page(t.database.db, NO_KEY, null, 1);
    assert.ok(row);
    const cipher = new PhiCipher(t.config.secret);
    const concurrent = cipher.encrypt('written meanwhile', column.context(row.row_key));
    assert.equal(await column.replace(t.database.db, row.row_key, row.sealed, concurrent), true);
    const stale = cipher.reseal(row.sealed, column.context(row.row_key));
    assert.equal(
      await column.replace(t.database.db, row.row_key, row.sealed, stale),
      false,
      'a stale write won',
    );
    const [now] = await column.page(t.database.db, NO_KEY, null, 1);
    assert.equal(cipher.decrypt(now!.sealed, column.context(row.row_key)), 'written meanwhile');
  });

  it('rotation re-seals every value under the new secret, resumably; the services then read them', async () => {
    const next = Buffer.from(newSecret(), 'base64');
    const old = Buffer.from(TEST_SECRET, 'base64');
    const cipher = new PhiCipher(next, [old]);
    const partial = await rotateSecrets(t.database, cipher, {
      batchSize: 1,
      columns: SEALED_COLUMNS.slice(0, 1),
    });
    assert.equal(partial.complete, true);
    assert.ok((await unreadable(t, new PhiCipher(next))).length > 0, 'only one column was done');

    const report = await rotateSecrets(t.database, cipher, { batchSize: 2 });
    assert.equal(report.complete, true, JSON.stringify(report));
    assert.equal(report.columns[0]!.resealed, 0, 'the column done before was not done again');
    assert.deepEqual(await unreadable(t, new PhiCipher(next)), [], 'a value still needs the old secret');
    const again = await rotateSecrets(t.database, cipher, { batchSize: 2 });
    assert.equal(
      again.columns.reduce((n, c) => n + c.resealed, 0),
      0,
      'a second run finds nothing to do',
    );

    const rotated = createServices(
      testConfig(t.testDatabase.url, { QUALIFY_SECRET: next.toString('base64') }),
      t.database,
    );
    const [response] = await t.database.db.selectFrom('survey_responses').select('session_id').execute();
    const answers = await rotated.survey.answers(response!.session_id);
    assert.deepEqual(answers?.conditions, ['hypertension']);
  });

  it('names the values no configured secret opens instead of skipping them silently', async () => {
    const stranger = new PhiCipher(Buffer.from(newSecret(), 'base64'));
    const report = await rotateSecrets(t.database, stranger, { batchSize: 10 });
    assert.equal(report.complete, false);
    assert.ok(report.unreadable.length > 0, JSON.stringify(report));
    assert.match(report.unreadable[0]!, /^[a-z_]+\.[a-z_]+:/);
  });
});
