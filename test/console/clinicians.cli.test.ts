import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DEMO_CLINICIAN_EMAIL,
  formatCredentials,
  productionAccounts,
  seedFirstStart,
} from '../../src/bootstrap.js';
import { migrate, openDatabase } from '../../src/db/database.js';
import { createServices } from '../../src/services.js';
import { createTestApp, show, TEST_SECRET, type TestApp, testConfig } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { runCliSync } from '../support/server-process.js';
import { postForm, signIn } from '../support/shopper.js';

/** `qualify clinician add --<option> <value>...` followed by bare `flags`, `input` on stdin. */
function clinicianAdd(t: TestApp, options: Record<string, string>, flags: string[] = [], input?: string) {
  const args = Object.entries(options).flatMap(([name, value]) => [`--${name}`, value]);
  return runCliSync(['clinician', 'add', ...args, ...flags], {
    databaseUrl: t.testDatabase.url,
    secret: TEST_SECRET,
    input,
  });
}

describe('clinician accounts (SPEC §2.3, §4.1)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('seeds (outside production) a sandbox-only demo clinician in every state and prints its credentials once', async () => {
    const credentials = await seedFirstStart(t.services);
    assert.ok(credentials?.clinician, JSON.stringify(credentials));
    const text = formatCredentials(credentials, 'http://qualify.test');
    assert.match(text, new RegExp(`Clinician email +${credentials.clinician.email.replace('.', '\\.')}`));
    assert.ok(text.includes(credentials.clinician.password));
    assert.ok(text.includes('http://qualify.test/console'));
    const [demo] = await t.services.clinicians.list();
    assert.equal(demo?.states.length, 51);
    assert.equal(demo?.sandbox, 'only', 'the demo reviews test-mode sessions only');
    await signIn(t, credentials.clinician);
    assert.equal(await seedFirstStart(t.services), undefined, 'a second start seeds nothing');
    assert.equal(await t.services.clinicians.count(), 1);
  });

  it('`clinician add --password-stdin --json` creates an account that can sign in, audited', async () => {
    const result = clinicianAdd(
      t,
      {
        email: 'Jane.Doe@Example.com',
        name: 'Dr. Jane Doe',
        npi: '1992753883',
        states: 'ca, ny',
        credentials: 'DO',
      },
      ['--password-stdin', '--json'],
      'a long enough password\n',
    );
    assert.equal(result.status, 0, result.stderr);
    const created = JSON.parse(result.stdout);
    assert.match(created.clinician_id, /^cl_/);
    assert.deepEqual(
      {
        email: created.email,
        name: created.name,
        npi: created.npi,
        credentials: created.credentials,
        states: created.states,
      },
      {
        email: 'jane.doe@example.com',
        name: 'Dr. Jane Doe',
        npi: '1992753883',
        credentials: 'DO',
        states: ['CA', 'NY'],
      },
    );
    assert.equal(created.password, undefined, 'a password from stdin is not echoed');
    await signIn(t, { email: 'jane.doe@example.com', password: 'a long enough password' });
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select(['action', 'actor_type'])
      .where('subject_id', '=', created.clinician_id)
      .execute();
    assert.deepEqual(audit, [{ action: 'clinician.add', actor_type: 'operator' }]);
    const stored = await t.database.db
      .selectFrom('clinicians')
      .select('password_hash')
      .where('id', '=', created.clinician_id)
      .executeTakeFirstOrThrow();
    assert.match(stored.password_hash, /^scrypt\$\d+\$8\$1\$/);
    assert.ok(!stored.password_hash.includes('a long enough password'));
  });

  it('prints a one-time link to choose the password (never a password) without --password-stdin', async () => {
    const result = clinicianAdd(
      t,
      { email: 'gen@example.com', name: 'Dr. Gen', npi: '1234567893', states: 'TX' },
      ['--json'],
    );
    assert.equal(result.status, 0, result.stderr);
    const created = JSON.parse(result.stdout);
    assert.equal(created.password, undefined, result.stdout);
    const link = new URL(created.password_link);
    assert.match(link.pathname, /^\/console\/reset\/[\w-]{20,}$/, result.stdout);
    const form = await t.app.inject({ method: 'GET', url: link.pathname });
    assert.equal(form.statusCode, 200, show(form));
    assert.match(form.body, /<label for="password">New password<\/label>/);
    const set = await postForm(t, link.pathname, {
      password: 'a brand new password',
      confirm: 'a brand new password',
    });
    assert.equal(set.statusCode, 303, show(set));
    await signIn(t, { email: 'gen@example.com', password: 'a brand new password' });
    const again = await t.app.inject({ method: 'GET', url: link.pathname });
    assert.equal(again.statusCode, 404, `a used link is spent: ${show(again)}`);
  });

  it('takes repeatable --license STATE=NUMBER and --practice-address (issue 10 item 3)', async () => {
    const result = clinicianAdd(
      t,
      {
        email: 'lic@example.com',
        name: 'Dr. Lic',
        npi: '1234567893',
        'practice-address': '1 Main St, Austin TX',
      },
      ['--license', 'ca=A12345', '--license', 'NY=N-77', '--json'],
    );
    assert.equal(result.status, 0, result.stderr);
    const created = JSON.parse(result.stdout);
    assert.deepEqual(created.states, ['CA', 'NY']);
    assert.deepEqual(created.licenses, { CA: 'A12345', NY: 'N-77' });
    assert.equal(created.practice_address, '1 Main St, Austin TX');
    const bad = clinicianAdd(t, { email: 'lic2@example.com', name: 'Dr. Lic', npi: '1234567893' }, [
      '--license',
      'ZZ=1',
    ]);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /unknown state code: ZZ/);
  });

  it('reports every input problem, and a duplicate email', async () => {
    const bad = clinicianAdd(
      t,
      { email: 'nope', name: 'X', npi: '12', states: 'ZZ' },
      ['--password-stdin'],
      'short',
    );
    assert.notEqual(bad.status, 0);
    for (const text of ['--email', '--npi', 'ZZ', 'at least 12'])
      assert.ok(bad.stderr.includes(text), bad.stderr);
    const dup = clinicianAdd(t, {
      email: 'GEN@example.com',
      name: 'Dr. Gen',
      npi: '1234567893',
      states: 'TX',
    });
    assert.notEqual(dup.status, 0);
    assert.match(dup.stderr, /already exists/);
  });

  it('in production seeds no clinician, prints how to add the first admin (never a password), and disables an old demo', async () => {
    const testDatabase = await createTestDatabase();
    const config = testConfig(testDatabase.url, { QUALIFY_ENV: 'production' });
    const database = openDatabase(config.databaseUrl);
    try {
      await migrate(database);
      const services = createServices(config, database);
      const credentials = await seedFirstStart(services);
      assert.equal(credentials?.clinician, undefined, JSON.stringify(credentials));
      assert.equal(await services.clinicians.count(), 0);
      const text = formatCredentials(credentials!, config.publicUrl);
      assert.ok(!/password/i.test(text), text);
      const notice = (await productionAccounts(services)) ?? '';
      assert.match(notice, /npx qualify clinician add --role admin/);
      assert.ok(!/password:|password +\S{12,}/i.test(notice), notice);

      // A demo account seeded by an older version is disabled at the next production start.
      const demo = await services.clinicians.add({
        email: DEMO_CLINICIAN_EMAIL,
        name: 'Dr. Demo Clinician',
        npi: '1234567893',
        states: ['CA'],
      });
      assert.match((await productionAccounts(services)) ?? '', /was disabled/);
      assert.equal((await services.clinicians.find(demo.clinician_id))?.disabled_at !== null, true);
      await services.clinicians.add({ email: 'boss@example.com', name: 'Boss', role: 'admin' });
      assert.equal(await productionAccounts(services), undefined, 'nothing to say once an admin exists');
    } finally {
      await database.close();
      await testDatabase.drop();
    }
  });

  it('`clinician edit|disable|enable|reset-password|list`: a disabled account is signed out at once', async () => {
    const cli = (args: string[]) =>
      runCliSync(['clinician', ...args], { databaseUrl: t.testDatabase.url, secret: TEST_SECRET });
    const added = clinicianAdd(
      t,
      { email: 'ops@example.com', name: 'Dr. Ops', npi: '1234567893', states: 'WA' },
      ['--password-stdin', '--json'],
      'ops password 123456\n',
    );
    assert.equal(added.status, 0, added.stderr);
    const agent = await signIn(t, { email: 'ops@example.com', password: 'ops password 123456' });

    const edited = cli([
      'edit',
      'ops@example.com',
      '--name',
      'Dr. Ops Renamed',
      '--states',
      'WA,OR',
      '--json',
    ]);
    assert.equal(edited.status, 0, edited.stderr);
    assert.deepEqual(JSON.parse(edited.stdout).states, ['OR', 'WA']);
    const badNpi = cli(['edit', 'ops@example.com', '--npi', '1234567890']);
    assert.notEqual(badNpi.status, 0);
    assert.match(badNpi.stderr, /check digit/);

    const disabled = cli(['disable', 'ops@example.com']);
    assert.equal(disabled.status, 0, disabled.stderr);
    const ended = await agent.get('/console/queue');
    assert.equal(ended.statusCode, 303, show(ended));
    assert.equal(ended.headers.location, '/console');
    const listed = cli(['list']);
    assert.match(listed.stdout, /ops@example\.com .*DISABLED/);
    assert.equal(cli(['enable', 'ops@example.com']).status, 0);

    const reset = cli(['reset-password', 'ops@example.com', '--json']);
    assert.equal(reset.status, 0, reset.stderr);
    const { password_link, expires_at } = JSON.parse(reset.stdout);
    assert.match(
      password_link,
      /^http:\/\/localhost:\d+\/console\/reset\/|^http:\/\/qualify\.test\/console\/reset\//,
    );
    assert.ok(
      Date.parse(expires_at) - Date.now() <= 3_600_000 && Date.parse(expires_at) - Date.now() > 3_500_000,
    );
    const path = new URL(password_link).pathname;
    const set = await postForm(t, path, { password: 'a new ops password', confirm: 'a new ops password' });
    assert.equal(set.statusCode, 303, show(set));
    await signIn(t, { email: 'ops@example.com', password: 'a new ops password' });
  });
});
