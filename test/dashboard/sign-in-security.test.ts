import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { TOTP } from 'otpauth';
import { ManualClock } from '../../src/lib/clock.js';
import { createTestApp, show, TEST_SECRET, type TestApp, type TestChannel } from '../support/app.js';
import { runCliSync } from '../support/server-process.js';
import { formBody, hiddenCsrf } from '../support/shopper.js';
import { addMerchantUser, type TestMerchantUser } from './support.js';

// Issue 12 item 1 — the dashboard's sign-in has the console's throttling (5 failures in 15 minutes
// lock an account or an address for 15 minutes) and a TOTP second factor: optional per user,
// required for owners in production.

const LOCKED = 'Too many failed sign-ins. Try again in 15 minutes.';

function codeFor(secret: string, at: number): string {
  return new TOTP({ secret: secret.replace(/\s/g, ''), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: at,
  });
}

/** A 6-digit code the app does not show within the accepted window (one step either side). */
function wrongCodeFor(secret: string, at: number, n = 0): string {
  const valid = [at - 30_000, at, at + 30_000].map((x) => codeFor(secret, x));
  return [
    '111111',
    '222222',
    '333333',
    '444444',
    '555555',
    '666666',
    '777777',
    '888888',
    '999999',
    '000000',
  ].filter((c) => !valid.includes(c))[n]!;
}

/** The key shown as text on the enrolment page. */
function shownSecret(body: string): string {
  const match = body.match(/<code id="totp-secret" aria-label="Setup key">([A-Z2-7 ]+)<\/code>/);
  assert.ok(match, `no setup key on the page: ${body.slice(0, 1500)}`);
  return match[1]!.replace(/\s/g, '');
}

function recoveryCodes(body: string): string[] {
  return [...body.matchAll(/<li><code>([0-9a-z]{5}-[0-9a-z]{5})<\/code><\/li>/g)].map((m) => m[1]!);
}

/** A browser of the dashboard over `inject`: a cookie jar, one client address, the last page's CSRF token. */
class Agent {
  private readonly jar = new Map<string, string>();
  csrf = '';
  constructor(
    private readonly t: TestApp,
    private readonly ip = '203.0.113.7',
  ) {}

  private cookie() {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(response: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of response.cookies as Array<{ name: string; value: string; expires?: Date }>) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now())) this.jar.delete(c.name);
      else this.jar.set(c.name, c.value);
    }
    this.csrf = response.body.match(/name="_csrf" value="([^"]*)"/)?.[1] ?? this.csrf;
    return response;
  }

  async get(url: string) {
    return this.keep(
      await this.t.app.inject({
        method: 'GET',
        url,
        remoteAddress: this.ip,
        headers: { cookie: this.cookie() },
      }),
    );
  }

  async post(url: string, fields: Record<string, string>) {
    return this.keep(
      await this.t.app.inject({
        method: 'POST',
        url,
        remoteAddress: this.ip,
        payload: formBody({ _csrf: this.csrf, ...fields }),
        headers: { cookie: this.cookie(), 'content-type': 'application/x-www-form-urlencoded' },
      }),
    );
  }

  /** The password step through the real form. */
  async password(email: string, password: string) {
    await this.get('/dashboard');
    return this.post('/dashboard/sign-in', { email, password });
  }
}

describe('dashboard sign-in throttling (issue 12 item 1)', () => {
  let t: TestApp;
  let channel: TestChannel;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  before(async () => {
    t = await createTestApp({ clock });
    channel = await t.channel({ name: 'Throttled shop' });
  });
  after(() => t.close());

  it('locks an account after 5 failures for 15 minutes with one answer, right password or not', async () => {
    const user = await addMerchantUser(t, channel, 'developer');
    for (let i = 0; i < 5; i++) {
      const wrong = await new Agent(t).password(user.email, `wrong password ${i}`);
      assert.equal(wrong.statusCode, 401, show(wrong));
      assert.match(wrong.body, /Email or password is incorrect\./);
    }
    const right = await new Agent(t).password(user.email, user.password);
    const wrong = await new Agent(t).password(user.email, 'wrong password again');
    for (const locked of [right, wrong]) {
      assert.equal(locked.statusCode, 429, show(locked));
      assert.ok(locked.body.includes(LOCKED), locked.body);
      assert.ok(!locked.cookies.some((c) => c.name === 'qualify_dashboard'), JSON.stringify(locked.cookies));
    }
    const strip = (body: string) => body.replace(/value="[^"]*"/g, '');
    assert.equal(strip(right.body), strip(wrong.body), 'nothing tells a right password from a wrong one');

    // Another user from another address is not refused.
    const other = await addMerchantUser(t, channel, 'viewer');
    const fine = await new Agent(t, '198.51.100.9').password(other.email, other.password);
    assert.equal(fine.statusCode, 303, show(fine));
    assert.equal(fine.headers.location, '/dashboard');

    clock.advance(15 * 60_000 - 1);
    const still = await new Agent(t, '198.51.100.10').password(user.email, user.password);
    assert.equal(still.statusCode, 429, `still locked just before 15 minutes: ${show(still)}`);
    clock.advance(2);
    const agent = new Agent(t, '198.51.100.10');
    const afterLock = await agent.password(user.email, user.password);
    assert.equal(afterLock.statusCode, 303, `signs in once the lock expired: ${show(afterLock)}`);
    const home = await agent.get(`/dashboard/c/${channel.channelId}`);
    assert.equal(home.statusCode, 200, show(home));

    const audit = await t.database.db.selectFrom('audit_log').select(['action', 'details']).execute();
    const text = JSON.stringify(audit);
    assert.ok(!text.includes('wrong password'), `what was typed as a password is never stored: ${text}`);
    assert.equal(
      audit.filter((r) => r.action === 'dashboard.sign_in_failed' && r.details.includes(user.email)).length,
      5,
      text,
    );
    assert.ok(
      audit.some((r) => r.action === 'dashboard.sign_in_locked' && r.details.includes(user.email)),
      text,
    );
  });

  it('locks a client address after 5 failures whatever accounts it tries', async () => {
    const ip = '192.0.2.55';
    for (let i = 0; i < 5; i++) {
      const r = await new Agent(t, ip).password(`nobody${i}@example.com`, 'whatever password');
      assert.equal(r.statusCode, 401, show(r));
    }
    const user = await addMerchantUser(t, channel, 'viewer');
    const refused = await new Agent(t, ip).password(user.email, user.password);
    assert.equal(refused.statusCode, 429, show(refused));
    assert.ok(refused.body.includes(LOCKED), refused.body);
    const elsewhere = await new Agent(t, '192.0.2.56').password(user.email, user.password);
    assert.equal(elsewhere.statusCode, 303, show(elsewhere));
  });

  it('aggregates failures for one unknown email instead of one audit row each', async () => {
    const email = 'ghost@merchant.example';
    for (let i = 0; i < 9; i++) {
      const r = await new Agent(t, `10.9.0.${i}`).password(email, 'some password');
      assert.ok(r.statusCode === 401 || r.statusCode === 429, show(r));
    }
    const rows = await t.database.db
      .selectFrom('audit_log')
      .select(['action', 'details'])
      .where('action', 'in', ['dashboard.sign_in_failed', 'dashboard.sign_in_locked'])
      .execute();
    const mine = rows.filter((r) => r.details.includes(email));
    // The first failure of the window and the lock; not nine rows.
    assert.deepEqual(
      mine.map((r) => r.action),
      ['dashboard.sign_in_failed', 'dashboard.sign_in_locked'],
      JSON.stringify(mine),
    );
  });
});

describe('dashboard TOTP, optional per user (issue 12 item 1)', () => {
  let t: TestApp;
  let channel: TestChannel;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  before(async () => {
    t = await createTestApp({ clock });
    channel = await t.channel({ name: 'Optional shop' });
  });
  after(() => t.close());

  it('a user enrols from the account page; then sign-in asks for a code, refuses a replay, takes a recovery code once', async () => {
    const user: TestMerchantUser = await addMerchantUser(t, channel, 'developer');
    const agent = new Agent(t);
    const signed = await agent.password(user.email, user.password);
    assert.equal(signed.headers.location, '/dashboard', `no code asked before enrolment: ${show(signed)}`);

    const account = await agent.get('/dashboard/account');
    assert.equal(account.statusCode, 200, show(account));
    assert.match(account.body, /Two-step sign-in/);
    assert.match(account.body, /Off: you sign in with your password only\./);
    const setup = await agent.get('/dashboard/account/two-step');
    assert.equal(setup.statusCode, 200, show(setup));
    assert.match(setup.body, /<svg/, 'the QR code is inline SVG');
    const secret = shownSecret(setup.body);

    const wrongFirst = await agent.post('/dashboard/account/two-step', {
      code: wrongCodeFor(secret, clock.now()),
    });
    assert.equal(wrongFirst.statusCode, 401, show(wrongFirst));
    assert.equal(shownSecret(wrongFirst.body), secret, 'the same pending secret is shown again');
    const done = await agent.post('/dashboard/account/two-step', { code: codeFor(secret, clock.now()) });
    assert.equal(done.statusCode, 200, show(done));
    const recovery = recoveryCodes(done.body);
    assert.equal(recovery.length, 10, done.body);
    const on = await agent.get('/dashboard/account');
    assert.match(on.body, /On: each sign-in asks for a code/, show(on));
    const again = await agent.get('/dashboard/account/two-step');
    assert.equal(again.statusCode, 303, 'an enrolled factor is never replaced from the page');

    // A new sign-in: the password leads to the code step, and nothing else opens before it.
    clock.advance(30_000);
    const second = new Agent(t);
    const pw = await second.password(user.email, user.password);
    assert.equal(pw.statusCode, 303, show(pw));
    assert.equal(pw.headers.location, '/dashboard/mfa');
    const blocked = await second.get(`/dashboard/c/${channel.channelId}/keys`);
    assert.equal(blocked.statusCode, 303, show(blocked));
    assert.equal(blocked.headers.location, '/dashboard/mfa');
    const step = await second.get('/dashboard/mfa');
    assert.equal(step.statusCode, 200, show(step));
    assert.match(step.body, /<label for="code">Authentication code<\/label>/);
    const wrong = await second.post('/dashboard/mfa', { code: wrongCodeFor(secret, clock.now()) });
    assert.equal(wrong.statusCode, 401, show(wrong));
    assert.match(wrong.body, /That code is not right/);
    const code = codeFor(secret, clock.now());
    const ok = await second.post('/dashboard/mfa', { code });
    assert.equal(ok.statusCode, 303, show(ok));
    assert.equal(ok.headers.location, '/dashboard');
    const keys = await second.get(`/dashboard/c/${channel.channelId}/keys`);
    assert.equal(keys.statusCode, 200, show(keys));

    // The same code again, in a third sign-in within the same 30 seconds: refused as a replay.
    const third = new Agent(t);
    await third.password(user.email, user.password);
    await third.get('/dashboard/mfa');
    const replay = await third.post('/dashboard/mfa', { code });
    assert.equal(replay.statusCode, 401, show(replay));
    assert.match(replay.body, /That code was used already/);
    clock.advance(30_000);
    const next = await third.post('/dashboard/mfa', { code: codeFor(secret, clock.now()) });
    assert.equal(next.statusCode, 303, show(next));

    // A recovery code signs in once, and only once.
    const fourth = new Agent(t);
    await fourth.password(user.email, user.password);
    await fourth.get('/dashboard/mfa');
    const byRecovery = await fourth.post('/dashboard/mfa', { code: recovery[0]!.toUpperCase() });
    assert.equal(byRecovery.statusCode, 303, show(byRecovery));
    assert.equal((await fourth.get('/dashboard/account')).statusCode, 200);
    const fifth = new Agent(t);
    await fifth.password(user.email, user.password);
    await fifth.get('/dashboard/mfa');
    const reused = await fifth.post('/dashboard/mfa', { code: recovery[0]! });
    assert.equal(reused.statusCode, 401, show(reused));
    const left = await fourth.get('/dashboard/account');
    assert.match(left.body, /9 of your recovery codes are unused/, show(left));

    // Stored: the secret sealed, the recovery codes hashed; the audit names the steps.
    const dump =
      JSON.stringify(await t.database.db.selectFrom('auth_totp').selectAll().execute()) +
      JSON.stringify(await t.database.db.selectFrom('auth_recovery_codes').selectAll().execute());
    assert.ok(!dump.includes(secret), 'the TOTP secret is sealed');
    assert.ok(!dump.includes(recovery[1]!), 'recovery codes are stored hashed');
    assert.match(dump, /merchant_user/);
    const actions = (
      await t.database.db
        .selectFrom('audit_log')
        .select('action')
        .where('actor_id', '=', user.userId)
        .execute()
    ).map((r) => r.action);
    for (const action of ['dashboard.mfa_enrolled', 'dashboard.recovery_code_used'] as const)
      assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
  });

  it('a user turns it off again with a code; the next sign-in asks for none', async () => {
    const user = await addMerchantUser(t, channel, 'developer');
    const agent = new Agent(t, '203.0.113.60');
    await agent.password(user.email, user.password);
    const secret = shownSecret((await agent.get('/dashboard/account/two-step')).body);
    const enrolled = await agent.post('/dashboard/account/two-step', { code: codeFor(secret, clock.now()) });
    assert.equal(enrolled.statusCode, 200, show(enrolled));
    const account = await agent.get('/dashboard/account');
    assert.match(account.body, /<h3 id="turn-off">Turn off two-step sign-in<\/h3>/, show(account));

    const wrong = await agent.post('/dashboard/account/two-step/off', {
      code: wrongCodeFor(secret, clock.now()),
    });
    assert.equal(wrong.statusCode, 401, show(wrong));
    assert.match(wrong.body, /On: each sign-in asks for a code/);
    const replay = await agent.post('/dashboard/account/two-step/off', {
      code: codeFor(secret, clock.now()),
    });
    assert.equal(replay.statusCode, 401, `the enrolment's code cannot be used again: ${show(replay)}`);
    assert.match(replay.body, /That code was used already/);
    clock.advance(30_000);
    const off = await agent.post('/dashboard/account/two-step/off', { code: codeFor(secret, clock.now()) });
    assert.equal(off.statusCode, 200, show(off));
    assert.match(off.body, /Two-step sign-in is off\./);
    assert.match(off.body, /Off: you sign in with your password only\./);
    const next = await new Agent(t, '203.0.113.61').password(user.email, user.password);
    assert.equal(next.headers.location, '/dashboard', show(next));
  });

  it('counts wrong codes toward the lock, and a pending sign-in lapses after 10 minutes', async () => {
    const user = await addMerchantUser(t, channel, 'viewer');
    const setup = new Agent(t, '203.0.113.80');
    await setup.password(user.email, user.password);
    const secret = shownSecret((await setup.get('/dashboard/account/two-step')).body);
    assert.equal(
      (await setup.post('/dashboard/account/two-step', { code: codeFor(secret, clock.now()) })).statusCode,
      200,
    );
    clock.advance(30_000);

    const agent = new Agent(t, '203.0.113.81');
    await agent.password(user.email, user.password);
    await agent.get('/dashboard/mfa');
    for (let i = 0; i < 5; i++) {
      const wrong = await agent.post('/dashboard/mfa', { code: wrongCodeFor(secret, clock.now(), i) });
      assert.equal(wrong.statusCode, 401, show(wrong));
    }
    const locked = await agent.post('/dashboard/mfa', { code: codeFor(secret, clock.now()) });
    assert.equal(locked.statusCode, 429, show(locked));
    assert.ok(locked.body.includes(LOCKED), locked.body);
    clock.advance(15 * 60_000 + 1);

    const late = new Agent(t, '203.0.113.82');
    await late.password(user.email, user.password);
    clock.advance(10 * 60_000 + 1);
    const lapsed = await late.get('/dashboard/mfa');
    assert.equal(lapsed.statusCode, 303, show(lapsed));
    assert.equal(lapsed.headers.location, '/dashboard');
    const form = await late.get('/dashboard');
    assert.match(form.body, /<label for="password">Password<\/label>/, 'back at the password step');
  });
});

describe('dashboard TOTP, required for owners in production (issue 12 item 1)', () => {
  let t: TestApp;
  let channel: TestChannel;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  before(async () => {
    t = await createTestApp({ clock, env: { QUALIFY_ENV: 'production' } });
    channel = await t.channel({ name: 'Production shop' });
  });
  after(() => t.close());

  it('an owner enrols at the first sign-in before anything opens; a developer is not asked', async () => {
    const owner = await addMerchantUser(t, channel, 'owner');
    const agent = new Agent(t);
    const pw = await agent.password(owner.email, owner.password);
    assert.equal(pw.statusCode, 303, show(pw));
    assert.equal(pw.headers.location, '/dashboard/mfa');
    const home = await agent.get('/dashboard');
    assert.equal(home.headers.location, '/dashboard/mfa', show(home));
    const enrol = await agent.get('/dashboard/mfa');
    assert.equal(enrol.statusCode, 200, show(enrol));
    assert.match(enrol.body, /Set up two-step sign-in/);
    const secret = shownSecret(enrol.body);
    const done = await agent.post('/dashboard/mfa', { code: codeFor(secret, clock.now()) });
    assert.equal(done.statusCode, 200, show(done));
    assert.equal(recoveryCodes(done.body).length, 10, done.body);
    const users = await agent.get(`/dashboard/c/${channel.channelId}/users`);
    assert.equal(users.statusCode, 200, show(users));

    const developer = await addMerchantUser(t, channel, 'developer');
    const dev = new Agent(t, '198.51.100.20');
    const devPw = await dev.password(developer.email, developer.password);
    assert.equal(devPw.headers.location, '/dashboard', show(devPw));
    const account = await dev.get('/dashboard/account');
    assert.match(account.body, /Off: you sign in with your password only\./, show(account));
    assert.doesNotMatch(account.body, /As an owner/);

    // An owner in another channel is an owner: asked too, even where they are a viewer.
    const other = await t.channel({ name: 'Second shop' });
    const mixed = await addMerchantUser(t, other, 'viewer');
    await t.services.dashboardAuth.addMember(channel.channelId, mixed.email, 'owner', {
      actorType: 'operator',
    });
    const mixedPw = await new Agent(t, '198.51.100.21').password(mixed.email, mixed.password);
    assert.equal(mixedPw.headers.location, '/dashboard/mfa', show(mixedPw));
  });

  it('an owner cannot turn it off', async () => {
    const owner = await addMerchantUser(t, channel, 'owner');
    const agent = new Agent(t, '198.51.100.50');
    await agent.password(owner.email, owner.password);
    const secret = shownSecret((await agent.get('/dashboard/mfa')).body);
    assert.equal(
      (await agent.post('/dashboard/mfa', { code: codeFor(secret, clock.now()) })).statusCode,
      200,
    );
    const account = await agent.get('/dashboard/account');
    assert.match(account.body, /As an owner you cannot turn it off\./, show(account));
    assert.doesNotMatch(account.body, /two-step\/off/);
    clock.advance(30_000);
    const refused = await agent.post('/dashboard/account/two-step/off', {
      code: codeFor(secret, clock.now()),
    });
    assert.equal(refused.statusCode, 403, show(refused));
    assert.match(refused.body, /On: each sign-in asks for a code/);
  });

  it('the pending step can be cancelled: sign-out ends it', async () => {
    const owner = await addMerchantUser(t, channel, 'owner');
    const agent = new Agent(t, '198.51.100.30');
    await agent.password(owner.email, owner.password);
    await agent.get('/dashboard/mfa');
    const out = await agent.post('/dashboard/sign-out', {});
    assert.equal(out.statusCode, 303, show(out));
    const after = await agent.get('/dashboard/mfa');
    assert.equal(after.headers.location, '/dashboard', show(after));
    assert.ok(hiddenCsrf((await agent.get('/dashboard')).body), 'the sign-in form again');
  });

  it('`qualify user reset-mfa` removes a lost authenticator, ends the sessions, and the owner enrols again', async () => {
    const owner = await addMerchantUser(t, channel, 'owner');
    const agent = new Agent(t, '198.51.100.40');
    await agent.password(owner.email, owner.password);
    const secret = shownSecret((await agent.get('/dashboard/mfa')).body);
    const done = await agent.post('/dashboard/mfa', { code: codeFor(secret, clock.now()) });
    assert.equal(done.statusCode, 200, show(done));
    assert.equal((await agent.get(`/dashboard/c/${channel.channelId}`)).statusCode, 200);

    const cli = (args: string[]) =>
      runCliSync(['user', 'reset-mfa', ...args], { databaseUrl: t.testDatabase.url, secret: TEST_SECRET });
    const reset = cli(['--email', owner.email.toUpperCase(), '--json']);
    assert.equal(reset.status, 0, reset.stderr);
    assert.deepEqual(JSON.parse(reset.stdout), {
      user_id: owner.userId,
      email: owner.email,
      had_factor: true,
    });
    const ended = await agent.get(`/dashboard/c/${channel.channelId}`);
    assert.equal(ended.statusCode, 303, `the open session ended: ${show(ended)}`);
    assert.equal(ended.headers.location, '/dashboard');

    const again = new Agent(t, '198.51.100.41');
    const pw = await again.password(owner.email, owner.password);
    assert.equal(pw.headers.location, '/dashboard/mfa', show(pw));
    const enrol = await again.get('/dashboard/mfa');
    assert.match(enrol.body, /Set up two-step sign-in/, show(enrol));
    assert.notEqual(shownSecret(enrol.body), secret, 'a new secret');

    const unknown = cli(['--email', 'nobody@merchant.example']);
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /no dashboard user nobody@merchant\.example/);
  });
});
