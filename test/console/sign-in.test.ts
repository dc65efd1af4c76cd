import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/lib/clock.js';
import { createTestApp, show, type TestApp } from '../support/app.js';
import { addClinician, cookieHeader, cookiesFrom, hiddenCsrf, postForm, signIn } from '../support/shopper.js';

describe('console sign-in (SPEC §2.3)', () => {
  let t: TestApp;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  before(async () => {
    t = await createTestApp({ clock });
  });
  after(() => t.close());

  it('shows the labelled form and sets a sign-in CSRF cookie', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/console' });
    assert.equal(page.statusCode, 200, show(page));
    assert.match(page.body, /<label for="email">Email<\/label>/);
    assert.match(page.body, /<label for="password">Password<\/label>/);
    assert.match(page.body, /<button type="submit">Sign in<\/button>/);
    assert.ok(cookiesFrom(page).qualify_sign_in);
  });

  it('answers a wrong password and an unknown email with the same 401 message, audited', async () => {
    const clinician = await addClinician(t, ['CA']);
    const bodies: string[] = [];
    for (const [email, password] of [
      [clinician.email, 'wrong password here'],
      ['nobody@example.com', clinician.password],
    ] as const) {
      const form = await t.app.inject({ method: 'GET', url: '/console' });
      const response = await postForm(
        t,
        '/console/sign-in',
        { _csrf: hiddenCsrf(form.body), email, password },
        { cookie: cookieHeader(cookiesFrom(form)) },
      );
      assert.equal(response.statusCode, 401, show(response));
      assert.match(response.body, /Email or password is incorrect/);
      assert.match(response.body, new RegExp(`value="${email.replace('.', '\\.')}"`), 'email kept');
      assert.equal(cookiesFrom(response).qualify_console, undefined);
      bodies.push(response.body.replace(/value="[^"]*"/g, ''));
    }
    assert.equal(bodies[0], bodies[1], 'no difference between a wrong email and a wrong password');
    const failures = await t.database.db
      .selectFrom('audit_log')
      .select('details')
      .where('action', '=', 'console.sign_in_failed')
      .execute();
    assert.ok(failures.some((f) => f.details.includes(clinician.email)));
  });

  it('refuses a sign-in without the CSRF token', async () => {
    const clinician = await addClinician(t, ['CA']);
    const response = await postForm(t, '/console/sign-in', {
      email: clinician.email,
      password: clinician.password,
    });
    assert.equal(response.statusCode, 403, show(response));
    assert.equal(cookiesFrom(response).qualify_console, undefined);
  });

  it('signs in with an HttpOnly SameSite cookie, audited, and signs out', async () => {
    const clinician = await addClinician(t, ['CA']);
    const form = await t.app.inject({ method: 'GET', url: '/console' });
    const response = await postForm(
      t,
      '/console/sign-in',
      { _csrf: hiddenCsrf(form.body), email: clinician.email.toUpperCase(), password: clinician.password },
      { cookie: cookieHeader(cookiesFrom(form)) },
    );
    assert.equal(response.statusCode, 303, show(response));
    assert.equal(response.headers.location, '/console/queue');
    const cookie = (response.cookies as Array<Record<string, unknown>>).find(
      (c) => c.name === 'qualify_console',
    )!;
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.path, '/console');
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('actor_id', '=', clinician.id)
      .execute();
    assert.deepEqual(
      audit.map((a) => a.action),
      ['console.sign_in'],
    );

    const agent = await signIn(t, clinician);
    assert.equal((await agent.get('/console/queue')).statusCode, 200);
    const noCsrf = await postForm(t, '/console/sign-out', {}, { cookie: agent.cookie });
    assert.equal(noCsrf.statusCode, 403, show(noCsrf));
    const out = await agent.post('/console/sign-out', {});
    assert.equal(out.statusCode, 303, show(out));
    const after = await agent.get('/console/queue');
    assert.equal(after.statusCode, 303, 'the old cookie no longer works');
    assert.equal(after.headers.location, '/console');
  });

  it('ends a session after 30 minutes idle, not before', async () => {
    const clinician = await addClinician(t, ['CA']);
    const agent = await signIn(t, clinician);
    clock.advance(29 * 60_000);
    assert.equal((await agent.get('/console/queue')).statusCode, 200, 'activity keeps it alive');
    clock.advance(29 * 60_000);
    assert.equal((await agent.get('/console/queue')).statusCode, 200);
    clock.advance(31 * 60_000);
    const expired = await agent.get('/console/queue');
    assert.equal(expired.statusCode, 303, show(expired));
    assert.equal(expired.headers.location, '/console?expired=1');
    const notice = await t.app.inject({ method: 'GET', url: '/console?expired=1' });
    assert.match(notice.body, /signed out after 30 minutes/);
  });

  it('sends an anonymous visitor of the queue or a review to sign-in', async () => {
    for (const url of ['/console/queue', '/console/sessions/qs_x']) {
      const response = await t.app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 303, show(response));
      assert.equal(response.headers.location, '/console');
    }
    const post = await postForm(t, '/console/sessions/qs_x/approve', { validity_days: '365' });
    assert.equal(post.statusCode, 303, show(post));
  });
});
