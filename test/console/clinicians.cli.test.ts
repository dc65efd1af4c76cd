import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatCredentials, seedFirstStart } from '../../src/bootstrap.js';
import { createTestApp, TEST_SECRET, type TestApp } from '../support/app.js';
import { runCliSync } from '../support/server-process.js';
import { signIn } from '../support/shopper.js';

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

  it('seeds a demo clinician in every state on first start and prints its credentials once', async () => {
    const credentials = await seedFirstStart(t.services);
    assert.ok(credentials?.clinician, JSON.stringify(credentials));
    const text = formatCredentials(credentials, 'http://qualify.test');
    assert.match(text, new RegExp(`Clinician email +${credentials.clinician.email.replace('.', '\\.')}`));
    assert.ok(text.includes(credentials.clinician.password));
    assert.ok(text.includes('http://qualify.test/console'));
    const [demo] = await t.services.clinicians.list();
    assert.equal(demo?.states.length, 51);
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
        npi: '1992753880',
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
        npi: '1992753880',
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

  it('generates and prints a password once without --password-stdin', async () => {
    const result = clinicianAdd(
      t,
      { email: 'gen@example.com', name: 'Dr. Gen', npi: '1234567893', states: 'TX' },
      ['--json'],
    );
    assert.equal(result.status, 0, result.stderr);
    const created = JSON.parse(result.stdout);
    assert.ok(created.password.length >= 20);
    await signIn(t, { email: 'gen@example.com', password: created.password });
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
});
