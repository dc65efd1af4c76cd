import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TOTP } from 'otpauth';
import type { BrowserContext, Page } from 'playwright-core';
import { ManualClock } from '../../src/lib/clock.js';
import type { TestChannel } from '../support/app.js';
import { addClinician, createSession, submitSurvey, type TestClinician } from '../support/shopper.js';
import { type BrowserHarness, localLink, seriousViolationsOfStatic, startBrowserHarness } from './harness.js';

/** Issue 11 — accounts, the second factor, lockout, sandbox separation and the question loop, in Chromium. */
describe('console accounts and work in a browser (issue 11)', () => {
  let h: BrowserHarness;
  let live: TestChannel;
  let sandbox: TestChannel;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  const secrets = new Map<string, string>();
  const contexts: BrowserContext[] = [];
  before(async () => {
    h = await startBrowserHarness({ clock, env: { QUALIFY_CONSOLE_MFA: 'required' } });
    live = await h.t.channel({ live: true });
    sandbox = await h.t.channel();
  });
  after(async () => {
    for (const context of contexts) await context.close();
    await h.close();
  });

  async function newPage(): Promise<Page> {
    const context = await h.browser.newContext({ javaScriptEnabled: false });
    contexts.push(context);
    return context.newPage();
  }

  const codeAt = (secret: string) =>
    new TOTP({ secret, digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: clock.now() });

  async function password(page: Page, who: { email: string; password: string }) {
    await page.goto(`${h.baseUrl}/console`);
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Password, then the code step (enrolling the first time, from the key shown as text). */
  async function signIn(who: TestClinician): Promise<Page> {
    const page = await newPage();
    await password(page, who);
    await page.getByLabel('Authentication code').waitFor();
    let secret = secrets.get(who.email);
    if (!secret) {
      secret = ((await page.getByLabel('Setup key').textContent()) ?? '').replace(/\s/g, '');
      secrets.set(who.email, secret);
      await page.getByLabel('Authentication code').fill(codeAt(secret));
      await page.getByRole('button', { name: 'Verify and continue' }).click();
      await page.getByRole('heading', { name: 'Recovery codes' }).waitFor();
      await page.getByRole('link', { name: 'Continue to the review queue' }).click();
    } else {
      clock.advance(30_000); // a new time step: the last code is spent
      await page.getByLabel('Authentication code').fill(codeAt(secret));
      await page.getByRole('button', { name: 'Verify' }).click();
    }
    await page.waitForURL(`${h.baseUrl}/console/queue`);
    return page;
  }

  it('enrols TOTP at the first sign-in, refuses a replayed code, accepts a recovery code once', async () => {
    const clinician = await addClinician(h.t, ['CA'], 'Dr. Tess Totp', 'none');
    const page = await newPage();
    await password(page, clinician);
    await page.getByRole('heading', { name: 'Set up two-step sign-in' }).waitFor();
    assert.equal(await page.getByRole('img', { name: 'QR code for your authenticator app' }).count(), 1);
    assert.deepEqual(await seriousViolationsOfStatic(h, page), [], 'enrolment page');
    const secret = ((await page.getByLabel('Setup key').textContent()) ?? '').replace(/\s/g, '');
    const code = codeAt(secret);
    await page.getByLabel('Authentication code').fill(code);
    await page.getByRole('button', { name: 'Verify and continue' }).click();
    const codes = await page.getByRole('list', { name: 'Recovery codes' }).locator('code').allTextContents();
    assert.equal(codes.length, 10, codes.join());
    assert.deepEqual(await seriousViolationsOfStatic(h, page), [], 'recovery-code page');
    await page.getByRole('link', { name: 'Continue to the review queue' }).click();
    await page.getByRole('heading', { name: 'Review queue' }).waitFor();

    const again = await newPage();
    await password(again, clinician);
    assert.deepEqual(await seriousViolationsOfStatic(h, again), [], 'code page');
    await again.getByLabel('Authentication code').fill(code);
    await again.getByRole('button', { name: 'Verify' }).click();
    await again.getByText('That code was used already.').waitFor();

    await again.getByLabel('Authentication code').fill(codes[0]!);
    await again.getByRole('button', { name: 'Verify' }).click();
    await again.waitForURL(`${h.baseUrl}/console/queue`);

    const third = await newPage();
    await password(third, clinician);
    await third.getByLabel('Authentication code').fill(codes[0]!);
    await third.getByRole('button', { name: 'Verify' }).click();
    await third.getByText('That code is not right.').waitFor();
  });

  it('an admin disables a clinician whose open session then ends; a reset link sets a new password', async () => {
    const admin = await h.t.services.clinicians.add({
      email: 'ada.admin@example.com',
      name: 'Ada Admin',
      role: 'admin',
      password: 'admin password 12345',
    });
    const adminPage = await signIn({
      id: admin.clinician_id,
      email: admin.email,
      password: 'admin password 12345',
    });
    const doctor = await addClinician(h.t, ['CA'], 'Dr. Dora Disabled', 'none');
    const doctorPage = await signIn(doctor);

    await adminPage.getByRole('link', { name: 'Accounts' }).click();
    await adminPage.getByRole('link', { name: 'Dr. Dora Disabled' }).click();
    await adminPage.getByRole('button', { name: 'Disable account' }).click();
    await adminPage.getByText('Account disabled; its open sessions have ended.').waitFor();
    await doctorPage.reload();
    assert.equal(doctorPage.url(), `${h.baseUrl}/console`, 'the open session ended at once');

    await adminPage.getByRole('button', { name: 'Enable account' }).click();
    await adminPage.getByRole('button', { name: 'Create password-reset link' }).click();
    const link = ((await adminPage.getByRole('status').locator('code').textContent()) ?? '').trim();
    const path = new URL(link).pathname;
    const reset = await newPage();
    await reset.goto(`${h.baseUrl}${path}`);
    await reset.getByLabel('New password', { exact: true }).fill('a fresh password 123');
    await reset.getByLabel('New password again').fill('a fresh password 123');
    await reset.getByRole('button', { name: 'Set password' }).click();
    await reset.waitForURL(`${h.baseUrl}/console?reset=1`);
    await reset.getByText('Your password was changed. Sign in with the new one.').waitFor();
    await signIn({ ...doctor, password: 'a fresh password 123' });
    const spent = await reset.goto(`${h.baseUrl}${path}`);
    assert.equal(spent?.status(), 404, 'a reset link works once');
  });

  it('keeps sandbox sessions out of the live queue; a sandbox clinician sees them in the marked Sandbox queue', async () => {
    const liveDoc = await addClinician(h.t, ['NM'], 'Dr. Lena Live', 'none');
    const sandboxDoc = await addClinician(h.t, ['NM'], 'Dr. Sam Sandbox', 'also');
    for (const [channel, name] of [
      [live, 'Lou Live'],
      [sandbox, 'Tim Test'],
    ] as const) {
      const session = await createSession(h.t, channel, { customer_name: name });
      await submitSurvey(h.t, session, { state: 'NM' });
    }
    const livePage = await signIn(liveDoc);
    await livePage.getByRole('link', { name: 'Lou Live' }).waitFor();
    assert.equal(await livePage.getByRole('link', { name: 'Tim Test' }).count(), 0);
    assert.equal(await livePage.getByRole('link', { name: 'Sandbox queue' }).count(), 0);

    const sandboxPage = await signIn(sandboxDoc);
    assert.equal(
      await sandboxPage.getByRole('link', { name: 'Tim Test' }).count(),
      0,
      'not in the live queue',
    );
    await sandboxPage.getByRole('link', { name: 'Sandbox queue' }).click();
    await sandboxPage.getByRole('heading', { name: 'Sandbox queue' }).waitFor();
    await sandboxPage.getByText('test-mode sessions only').waitFor();
    await sandboxPage.getByRole('link', { name: 'Tim Test' }).waitFor();
    assert.equal(await sandboxPage.getByRole('link', { name: 'Lou Live' }).count(), 0);
  });

  it('runs the ask-the-shopper loop end to end, then finds the decision under "My decisions"', async () => {
    const doc = await addClinician(h.t, ['OK'], 'Dr. Quinn Question', 'none');
    const session = await createSession(h.t, live, { customer_name: 'Ann Answer' });
    await submitSurvey(h.t, session, { state: 'OK' });
    const page = await signIn(doc);
    await page.getByRole('link', { name: 'Ann Answer' }).click();
    await page.getByLabel('Question for the shopper').fill('Which medication do you take, and since when?');
    await page.getByRole('button', { name: 'Ask the shopper' }).click();
    await page.getByText('waits for the shopper').waitFor();
    assert.equal(await page.getByRole('link', { name: 'Ann Answer' }).count(), 0, 'out of the queue');

    const shopper = await newPage();
    await shopper.goto(localLink(h, session.path));
    // The question is health information: the date of birth first, as for the letter (issue 10 item 1).
    await shopper.getByRole('heading', { name: 'Your clinician has a question' }).waitFor();
    assert.equal(await shopper.getByText('Which medication do you take').count(), 0);
    await shopper.getByLabel('Date of birth').fill('1980-04-23');
    await shopper.getByRole('button', { name: 'Continue' }).click();
    await shopper.getByText('Which medication do you take, and since when?').waitFor();
    await shopper.getByLabel('Your answer').fill('Lisinopril since 2019.');
    await shopper.getByRole('button', { name: 'Send answer' }).click();
    await shopper.getByRole('heading', { name: 'Answer sent' }).waitFor();

    await page.goto(`${h.baseUrl}/console/queue`);
    await page.getByRole('link', { name: 'Ann Answer' }).click();
    await page.getByText('Lisinopril since 2019.').waitFor();
    await page.getByLabel('Reason').selectOption('insufficient_information');
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.getByText(`Rejected ${session.id}`).waitFor();

    await page.getByRole('link', { name: 'My decisions' }).click();
    await page.getByRole('link', { name: 'Ann Answer' }).click();
    await page.getByRole('heading', { name: 'Decision' }).waitFor();
    await page.getByText('Lisinopril since 2019.').waitFor();
  });

  it('locks sign-in after five failures and lets the right password in once the lock expired', async () => {
    const doc = await addClinician(h.t, ['CA'], 'Dr. Lock', 'none');
    // Earlier tests' failed codes from this address fall out of the 15-minute window.
    clock.advance(15 * 60_000);
    const page = await newPage();
    for (let i = 0; i < 5; i++) {
      await password(page, { email: doc.email, password: `wrong password ${i}` });
      await page.getByText('Email or password is incorrect.').waitFor();
    }
    const response = page.waitForResponse((r) => r.url().endsWith('/console/sign-in'));
    await password(page, doc);
    assert.equal((await response).status(), 429);
    await page.getByText('Too many failed sign-ins. Try again in 15 minutes.').waitFor();
    clock.advance(15 * 60_000 + 1);
    await signIn(doc);
  });
});
