import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import type { TestChannel } from '../support/app.js';
import { addClinician, createSession, submitSurvey, type TestClinician } from '../support/shopper.js';
import { type BrowserHarness, localLink, startBrowserHarness } from './harness.js';

describe('clinician console in a browser (SPEC §2.3, §2.5)', () => {
  let h: BrowserHarness;
  let channel: TestChannel;
  let california: TestClinician;
  let newYork: TestClinician;
  const contexts: BrowserContext[] = [];
  before(async () => {
    h = await startBrowserHarness();
    channel = await h.t.channel({ live: true });
    california = await addClinician(h.t, ['CA'], 'Dr. Carla California');
    newYork = await addClinician(h.t, ['NY'], 'Dr. Nate NewYork');
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

  async function signIn(clinician: TestClinician): Promise<Page> {
    const page = await newPage();
    await page.goto(`${h.baseUrl}/console`);
    await page.getByLabel('Email').fill(clinician.email);
    await page.getByLabel('Password').fill(clinician.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${h.baseUrl}/console/queue`);
    return page;
  }

  async function submittedSession(name: string, state: string) {
    const session = await createSession(h.t, channel, {
      customer_name: name,
      email: `${name.toLowerCase().replace(/\W/g, '')}@example.com`,
      order_items: [
        { sku: 'CPAP-1', name: 'Sleep apnea pillow', price: 8000 },
        { sku: 'MASK-1', name: 'Eye mask', price: 1500 },
      ],
    });
    const response = await submitSurvey(h.t, session, {
      state,
      condition: ['insomnia'],
      details: `notes of ${name}`,
    });
    assert.equal(response.statusCode, 200, response.body.slice(0, 300));
    return session;
  }

  const apiStatus = async (id: string) =>
    JSON.parse(
      (await h.t.api('GET', `/api/v1/qualification_session/${id}`, { key: channel })).body,
    ) as Record<string, unknown>;

  it('refuses a wrong password with a message and no session', async () => {
    const page = await newPage();
    await page.goto(`${h.baseUrl}/console`);
    await page.getByLabel('Email').fill(california.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Email or password is incorrect.').waitFor();
    assert.equal(await page.getByLabel('Email').inputValue(), california.email);
    const cookies = await page.context().cookies();
    assert.ok(!cookies.some((c) => c.name === 'qualify_console'), JSON.stringify(cookies));
    await page.goto(`${h.baseUrl}/console/queue`);
    assert.equal(page.url(), `${h.baseUrl}/console`);
  });

  it('shows a session only to a clinician licensed in its state; approves it; the letter verifies', async () => {
    const session = await submittedSession('Ana Approve', 'CA');

    const ny = await signIn(newYork);
    assert.equal(
      await ny.getByRole('link', { name: 'Ana Approve' }).count(),
      0,
      'not in another state’s queue',
    );
    const hidden = await ny.goto(`${h.baseUrl}/console/sessions/${session.id}`);
    assert.equal(hidden?.status(), 404);

    const ca = await signIn(california);
    const cookie = (await ca.context().cookies()).find((c) => c.name === 'qualify_console')!;
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    await ca.getByRole('link', { name: 'Ana Approve' }).click();
    await ca.getByText('notes of Ana Approve').waitFor();
    // Issue 11 item 5: items start unticked; the clinician picks diagnoses and items, edits, previews, confirms.
    assert.equal(await ca.getByLabel(/Sleep apnea pillow \(CPAP-1\)/).isChecked(), false);
    await ca.getByLabel(/Sleep apnea pillow \(CPAP-1\)/).check();
    await ca.getByLabel('Insomnia, unspecified (G47.00)').check();
    await ca.getByLabel('Recommended use of Sleep apnea pillow').fill('Use nightly while sleeping');
    await ca.getByLabel('Duration for Sleep apnea pillow').fill('6 months');
    await ca.getByLabel('Validity (days)').fill('180');
    await ca.getByLabel('Approval note').fill('Clear history of insomnia.');
    await ca.getByRole('button', { name: 'Preview letter' }).click();
    await ca.getByRole('heading', { name: 'Preview of the letter' }).waitFor();
    const preview = (await ca.locator('article.letter').textContent()) ?? '';
    for (const text of [
      'Ana Approve',
      'G47.00',
      'Use nightly while sleeping',
      '6 months',
      'Electronically signed by Dr. Carla California',
    ])
      assert.ok(preview.includes(text), `preview lacks ${text}: ${preview}`);
    assert.ok(!preview.includes('Eye mask'), preview);
    await ca.getByRole('button', { name: 'Confirm and sign' }).click();
    await ca.getByText(`Approved ${session.id}`).waitFor();
    assert.equal(await ca.getByRole('link', { name: 'Ana Approve' }).count(), 0, 'gone from the queue');
    const row = await apiStatus(session.id);
    assert.equal(row.status, 'approved');
    assert.equal(row.eligible_amount, 8000);

    // The shopper's link shows the outcome; the letter opens after the date of birth; its code verifies.
    const shopper = await newPage();
    await shopper.goto(localLink(h, session.path));
    await shopper.getByRole('heading', { name: 'Approved' }).waitFor();
    assert.ok(!((await shopper.locator('main').textContent()) ?? '').includes('Ana Approve'));
    await shopper.getByLabel('Date of birth').fill('1980-04-23');
    await shopper.getByRole('button', { name: 'Continue' }).click();
    await shopper.getByRole('heading', { name: 'Your Letter of Medical Necessity' }).waitFor();
    const letter = (await shopper.locator('article.letter').textContent()) ?? '';
    for (const text of [
      'Ana Approve',
      'Insomnia, unspecified',
      'G47.00',
      'Sleep apnea pillow',
      'Dr. Carla California',
    ]) {
      assert.ok(letter.includes(text), `letter lacks ${text}: ${letter}`);
    }
    assert.ok(!letter.includes('Eye mask'));
    const pdf = await shopper.request.get(`${h.baseUrl}/q/${session.id}/letter.pdf`);
    assert.equal(pdf.status(), 200);
    assert.equal(pdf.headers()['content-type'], 'application/pdf');
    const code = ((await shopper.locator('article.letter strong').last().textContent()) ?? '').replace(
      '-',
      '',
    );
    await shopper.goto(`${h.baseUrl}/verify`);
    await shopper.getByLabel('Verification code').fill(code.toLowerCase());
    await shopper.getByRole('button', { name: 'Verify' }).click();
    // A live channel's session (test-mode ones never reach a live clinician, issue 11 item 4): a valid letter.
    await shopper.getByRole('heading', { name: 'Valid letter' }).waitFor();
    const verification = (await shopper.locator('main').textContent()) ?? '';
    assert.ok(verification.includes('Dr. Carla California'));
    assert.ok(verification.includes('A. A.') && verification.includes('Sleep apnea pillow'), verification);
    assert.ok(!verification.includes('Insomnia') && !verification.includes('Ana Approve'), verification);
    await shopper.goto(`${h.baseUrl}/verify/0000000000`);
    await shopper.getByRole('heading', { name: 'Unknown letter' }).waitFor();
  });

  it('rejects from the console with a reason; the shopper sees it in plain words', async () => {
    const session = await submittedSession('Rex Reject', 'CA');
    const ca = await signIn(california);
    await ca.getByRole('link', { name: 'Rex Reject' }).click();
    await ca.getByLabel('Reason').selectOption('insufficient_information');
    await ca.getByLabel('Rejection note').fill('Needs a diagnosis.');
    await ca.getByRole('button', { name: 'Reject' }).click();
    await ca.getByText(`Rejected ${session.id}`).waitFor();
    const row = await apiStatus(session.id);
    assert.equal(row.status, 'rejected');
    assert.equal(row.rejection_reason, 'insufficient_information');

    const shopper = await newPage();
    await shopper.goto(localLink(h, session.path));
    await shopper.getByRole('heading', { name: 'Your request was not approved' }).waitFor();
    await shopper.getByText('did not have enough information').waitFor();
  });

  it('tells the second of two clinicians that the session was already reviewed', async () => {
    const session = await submittedSession('Tia Twice', 'CA');
    const other = await addClinician(h.t, ['CA'], 'Dr. Second');
    const first = await signIn(california);
    const second = await signIn(other);
    await first.goto(`${h.baseUrl}/console/sessions/${session.id}`);
    await second.goto(`${h.baseUrl}/console/sessions/${session.id}`);
    await first.getByLabel(/Sleep apnea pillow \(CPAP-1\)/).check();
    await first.getByLabel('Insomnia, unspecified (G47.00)').check();
    await first.getByRole('button', { name: 'Preview letter' }).click();
    await first.getByRole('button', { name: 'Confirm and sign' }).click();
    await first.getByText(`Approved ${session.id}`).waitFor();
    await second.getByRole('button', { name: 'Reject' }).click();
    await second.getByText('already reviewed').first().waitFor();
    assert.equal((await apiStatus(session.id)).status, 'approved');
  });

  it('signs out', async () => {
    const ca = await signIn(california);
    await ca.getByRole('button', { name: 'Sign out' }).click();
    await ca.getByRole('button', { name: 'Sign in' }).waitFor();
    await ca.goto(`${h.baseUrl}/console/queue`);
    assert.equal(ca.url(), `${h.baseUrl}/console`);
  });
});
