import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TOTP } from 'otpauth';
import { ManualClock } from '../../src/lib/clock.js';
import { createTestApp, show, type TestApp } from '../support/app.js';
import {
  addClinician,
  type ConsoleAgent,
  cookieHeader,
  cookiesFrom,
  formBody,
  hiddenCsrf,
  postForm,
  signIn,
} from '../support/shopper.js';

const LOCKED = 'Too many failed sign-ins. Try again in 15 minutes.';

/** One password post through the real form, from `ip`. */
async function tryPassword(t: TestApp, email: string, password: string, ip = '203.0.113.7') {
  const form = await t.app.inject({ method: 'GET', url: '/console', remoteAddress: ip });
  return t.app.inject({
    method: 'POST',
    url: '/console/sign-in',
    remoteAddress: ip,
    payload: formBody({ _csrf: hiddenCsrf(form.body), email, password }),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: cookieHeader(cookiesFrom(form)),
    },
  });
}

function codeFor(secret: string, at: number): string {
  return new TOTP({ secret: secret.replace(/\s/g, ''), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: at,
  });
}

describe('sign-in throttling (issue 11 item 3)', () => {
  let t: TestApp;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  before(async () => {
    t = await createTestApp({ clock });
  });
  after(() => t.close());

  it('locks an account after 5 failures for 15 minutes with one answer, right password or not', async () => {
    const clinician = await addClinician(t, ['CA']);
    for (let i = 0; i < 5; i++) {
      const wrong = await tryPassword(t, clinician.email, `wrong password ${i}`);
      assert.equal(wrong.statusCode, 401, show(wrong));
    }
    const right = await tryPassword(t, clinician.email, clinician.password);
    const wrong = await tryPassword(t, clinician.email, 'wrong password again');
    for (const locked of [right, wrong]) {
      assert.equal(locked.statusCode, 429, show(locked));
      assert.ok(locked.body.includes(LOCKED), locked.body);
    }
    const strip = (body: string) => body.replace(/value="[^"]*"/g, '');
    assert.equal(strip(right.body), strip(wrong.body), 'nothing tells a right password from a wrong one');

    // Another account signing in from another address is not slowed or refused.
    const other = await addClinician(t, ['CA']);
    const fine = await tryPassword(t, other.email, other.password, '198.51.100.9');
    assert.equal(fine.statusCode, 303, show(fine));

    clock.advance(15 * 60_000 + 1);
    const after = await tryPassword(t, clinician.email, clinician.password, '198.51.100.10');
    assert.equal(after.statusCode, 303, `signs in once the lock expired: ${show(after)}`);

    const audit = await t.database.db.selectFrom('audit_log').select(['action', 'details']).execute();
    const text = JSON.stringify(audit);
    assert.ok(!text.includes('wrong password'), 'what was typed as a password is never stored');
    assert.equal(
      audit.filter((r) => r.action === 'console.sign_in_failed' && r.details.includes(clinician.email))
        .length,
      5,
      text,
    );
    assert.ok(audit.some((r) => r.action === 'console.sign_in_locked'));
  });

  it('locks a client address after 5 failures whatever accounts it tries', async () => {
    const ip = '192.0.2.55';
    for (let i = 0; i < 5; i++) {
      const r = await tryPassword(t, `nobody${i}@example.com`, 'whatever password', ip);
      assert.equal(r.statusCode, 401, show(r));
    }
    const clinician = await addClinician(t, ['CA']);
    const refused = await tryPassword(t, clinician.email, clinician.password, ip);
    assert.equal(refused.statusCode, 429, show(refused));
    const elsewhere = await tryPassword(t, clinician.email, clinician.password, '192.0.2.56');
    assert.equal(elsewhere.statusCode, 303, show(elsewhere));
  });

  it('aggregates repeated failures for one unknown email instead of one audit row each', async () => {
    const email = 'ghost@example.com';
    for (let i = 0; i < 9; i++) await tryPassword(t, email, 'some password', `10.9.0.${i}`);
    const rows = await t.database.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('action', 'in', ['console.sign_in_failed', 'console.sign_in_locked'])
      .execute();
    const mine = rows.filter((r) => r.details.includes(email));
    assert.ok(mine.length <= 3 && mine.length >= 1, JSON.stringify(mine));
  });
});

describe('TOTP second factor (issue 11 item 2)', () => {
  let t: TestApp;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  before(async () => {
    t = await createTestApp({ clock, env: { QUALIFY_CONSOLE_MFA: 'required' } });
  });
  after(() => t.close());

  /** Password step; the cookie of the half-signed-in session. */
  async function password(email: string, pw: string): Promise<string> {
    const response = await tryPassword(t, email, pw, `10.1.${Math.floor(Math.random() * 200)}.1`);
    assert.equal(response.statusCode, 303, show(response));
    assert.equal(response.headers.location, '/console/mfa');
    return cookieHeader({ qualify_console: cookiesFrom(response).qualify_console! });
  }

  it('enrols at the first sign-in, then asks for a code at each; a code is never accepted twice', async () => {
    const clinician = await addClinician(t, ['CA']);
    const cookie = await password(clinician.email, clinician.password);
    const queue = await t.app.inject({ method: 'GET', url: '/console/queue', headers: { cookie } });
    assert.equal(queue.statusCode, 303, 'nothing behind the password alone');
    assert.equal(queue.headers.location, '/console/mfa');

    const enrol = await t.app.inject({ method: 'GET', url: '/console/mfa', headers: { cookie } });
    assert.equal(enrol.statusCode, 200, show(enrol));
    assert.match(enrol.body, /<svg/, 'a QR code');
    assert.match(enrol.body, /<label for="code">Authentication code<\/label>/);
    const secret = enrol.body.match(/id="totp-secret"[^>]*>([A-Z2-7 ]+)</)![1]!;
    const csrf = hiddenCsrf(enrol.body);
    const bad = await postForm(t, '/console/mfa', { _csrf: csrf, code: '000000' }, { cookie });
    assert.equal(bad.statusCode, 401, show(bad));
    const code = codeFor(secret, clock.now());
    const done = await postForm(t, '/console/mfa', { _csrf: csrf, code }, { cookie });
    assert.equal(done.statusCode, 200, show(done));
    const recovery = [...done.body.matchAll(/<li><code>([0-9a-z]{5}-[0-9a-z]{5})<\/code><\/li>/g)].map(
      (m) => m[1]!,
    );
    assert.equal(recovery.length, 10, done.body);
    const open = await t.app.inject({ method: 'GET', url: '/console/queue', headers: { cookie } });
    assert.equal(open.statusCode, 200, show(open));

    // The same code again, in a new sign-in within the same 30 seconds: refused as a replay.
    const second = await password(clinician.email, clinician.password);
    const step = await t.app.inject({ method: 'GET', url: '/console/mfa', headers: { cookie: second } });
    assert.match(step.body, /<label for="code">Authentication code<\/label>/);
    const replay = await postForm(
      t,
      '/console/mfa',
      { _csrf: hiddenCsrf(step.body), code },
      { cookie: second },
    );
    assert.equal(replay.statusCode, 401, show(replay));
    assert.match(replay.body, /used already/);
    clock.advance(30_000);
    const fresh = await postForm(
      t,
      '/console/mfa',
      { _csrf: hiddenCsrf(step.body), code: codeFor(secret, clock.now()) },
      { cookie: second },
    );
    assert.equal(fresh.statusCode, 303, show(fresh));

    // A recovery code signs in once.
    const third = await password(clinician.email, clinician.password);
    const page3 = await t.app.inject({ method: 'GET', url: '/console/mfa', headers: { cookie: third } });
    const used = await postForm(
      t,
      '/console/mfa',
      { _csrf: hiddenCsrf(page3.body), code: recovery[0]! },
      { cookie: third },
    );
    assert.equal(used.statusCode, 303, show(used));
    const fourth = await password(clinician.email, clinician.password);
    const page4 = await t.app.inject({ method: 'GET', url: '/console/mfa', headers: { cookie: fourth } });
    const again = await postForm(
      t,
      '/console/mfa',
      { _csrf: hiddenCsrf(page4.body), code: recovery[0]! },
      { cookie: fourth },
    );
    assert.equal(again.statusCode, 401, show(again));

    // Stored: the secret sealed, the recovery codes hashed.
    const dump =
      JSON.stringify(await t.database.db.selectFrom('auth_totp').selectAll().execute()) +
      JSON.stringify(await t.database.db.selectFrom('auth_recovery_codes').selectAll().execute());
    assert.ok(!dump.includes(secret.replace(/\s/g, '')), 'the TOTP secret is sealed');
    assert.ok(!dump.includes(recovery[1]!), 'recovery codes are stored hashed');
    assert.match(dump, /"secret":"v1:/);
  });
});

describe('account administration (issue 11 item 1)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  async function admin(): Promise<ConsoleAgent> {
    const created = await t.services.clinicians.add({
      email: `admin-${Math.random().toString(36).slice(2, 8)}@example.com`,
      name: 'Ada Admin',
      role: 'admin',
      password: 'an admin password 123',
    });
    return signIn(t, { email: created.email, password: 'an admin password 123' });
  }

  it('refuses an NPI whose check digit is wrong', async () => {
    await assert.rejects(
      t.services.clinicians.add({ email: 'x@example.com', name: 'X', npi: '1234567890', states: ['CA'] }),
      /check digit/,
    );
  });

  it('an admin adds a clinician (a reset link, no password), edits, and disables it: its session ends at once', async () => {
    const agent = await admin();
    const added = await agent.post('/console/admin/clinicians', {
      email: 'new.doc@example.com',
      name: 'Dr. New',
      credentials: 'MD',
      npi: '1992753883',
      states: 'CA, ny',
      role: 'clinician',
      sandbox: 'none',
    });
    assert.equal(added.statusCode, 201, show(added));
    const link = added.body.match(/http:\/\/qualify\.test(\/console\/reset\/[\w-]+)/)![1]!;
    const set = await postForm(t, link, {
      password: 'doctor password 1234',
      confirm: 'doctor password 1234',
    });
    assert.equal(set.statusCode, 303, show(set));
    const doctor = await signIn(t, { email: 'new.doc@example.com', password: 'doctor password 1234' });
    const id = (await t.services.clinicians.findByEmail('new.doc@example.com'))!.id;

    const edited = await agent.post(`/console/admin/clinicians/${id}`, {
      email: 'new.doc@example.com',
      name: 'Dr. New Name',
      credentials: 'DO',
      npi: '1992753883',
      states: 'CA',
      licenses: 'CA=A12345\nwa=MD-60-1',
      practice_address: '1 Clinic Way, Oakland, CA',
      role: 'clinician',
      sandbox: 'also',
    });
    assert.equal(edited.statusCode, 200, show(edited));
    assert.match(edited.body, /Changes saved/);
    assert.match(edited.body, /CA=A12345\nWA=MD-60-1/, 'the form shows the licence numbers again');
    const row = (await t.services.clinicians.find(id))!;
    assert.deepEqual(
      [row.name, row.credentials, row.states, row.sandbox, JSON.parse(row.licenses), row.practice_address],
      [
        'Dr. New Name',
        'DO',
        '["CA","WA"]',
        'also',
        { CA: 'A12345', WA: 'MD-60-1' },
        '1 Clinic Way, Oakland, CA',
      ],
    );
    // A licence line without a number is refused with the service's message, nothing saved.
    const refused = await agent.post(`/console/admin/clinicians/${id}`, {
      email: 'new.doc@example.com',
      name: 'Dr. New Name',
      credentials: 'DO',
      npi: '1992753883',
      states: 'CA',
      licenses: 'TX',
      practice_address: '',
      role: 'clinician',
      sandbox: 'also',
    });
    assert.equal(refused.statusCode, 422, show(refused));
    assert.match(refused.body, /--license TX= must be a licence number/);
    assert.equal((await t.services.clinicians.find(id))!.licenses, row.licenses);

    assert.equal((await doctor.get('/console/queue')).statusCode, 200);
    const disabled = await agent.post(`/console/admin/clinicians/${id}/disable`, {});
    assert.equal(disabled.statusCode, 200, show(disabled));
    const ended = await doctor.get('/console/queue');
    assert.equal(ended.statusCode, 303, show(ended));
    assert.equal(ended.headers.location, '/console');
    await assert.rejects(
      signIn(t, { email: 'new.doc@example.com', password: 'doctor password 1234' }),
      /401/,
    );

    // The audit log, by session (subject) and by clinician (actor).
    const log = await agent.get(`/console/admin/audit?session=${id}`);
    assert.equal(log.statusCode, 200, show(log));
    assert.match(log.body, /clinician\.disable/);
    assert.match(log.body, /clinician\.edit/);
    const byDoctor = await agent.get(`/console/admin/audit?clinician=${id}`);
    assert.match(byDoctor.body, /console\.sign_in/);
    assert.ok(!byDoctor.body.includes('clinician.disable'), 'only what that clinician did');
  });

  it('hides the admin pages from a clinician', async () => {
    const clinician = await addClinician(t, ['CA']);
    const agent = await signIn(t, clinician);
    const page = await agent.get('/console/admin/clinicians');
    assert.equal(page.statusCode, 404, show(page));
  });
});
