import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { ManualClock } from '../../src/lib/clock.js';
import { addMerchantUser, type TestMerchantUser } from '../dashboard/support.js';
import type { TestChannel } from '../support/app.js';
import { type BrowserHarness, seriousViolations, startBrowserHarness } from './harness.js';

// Issue 12 item 1 — two-step sign-in to the merchant dashboard in Chromium, by labels: an owner
// (required for owners) enrols at the first sign-in from the key shown as text, keeps the recovery
// codes, then signs in again with a code from the app; a replayed code is refused; a recovery code
// works. axe-core on the enrolment, recovery-code and code pages.

const codeFor = (secret: string, at: number) =>
  new TOTP({ secret: secret.replace(/\s/g, ''), digits: 6, period: 30, algorithm: 'SHA1' }).generate({
    timestamp: at,
  });

describe('dashboard two-step sign-in in a browser (issue 12 item 1)', () => {
  let h: BrowserHarness;
  let channel: TestChannel;
  let owner: TestMerchantUser;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));

  before(async () => {
    h = await startBrowserHarness({ clock, env: { QUALIFY_DASHBOARD_MFA: 'required-for-owners' } });
    channel = await h.t.channel({ name: 'Acme Health' });
    owner = await addMerchantUser(h.t, channel, 'owner');
  });
  after(() => h.close());

  async function password(page: Page) {
    await page.goto(`${h.baseUrl}/dashboard`);
    await page.getByLabel('Email').fill(owner.email);
    await page.getByLabel('Password').fill(owner.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${h.baseUrl}/dashboard/mfa`);
  }

  it('an owner enrols from the shown key, then signs in with codes; a replay is refused; a recovery code works', async () => {
    const context = await h.browser.newContext();
    const page = await context.newPage();
    await password(page);
    await page.getByRole('heading', { name: 'Set up two-step sign-in' }).waitFor();
    assert.ok(await page.getByRole('img', { name: 'QR code for your authenticator app' }).isVisible());
    assert.deepEqual(await seriousViolations(page), [], 'enrolment page');
    const secret = ((await page.getByLabel('Setup key').textContent()) ?? '').replace(/\s/g, '');
    await page.getByLabel('Authentication code').fill(codeFor(secret, clock.now()));
    await page.getByRole('button', { name: 'Verify and continue' }).click();
    const list = page.getByRole('list', { name: 'Recovery codes' });
    await list.waitFor();
    const recovery = (await list.getByRole('listitem').allTextContents()).map((s) => s.trim());
    assert.equal(recovery.length, 10, recovery.join(', '));
    assert.deepEqual(await seriousViolations(page), [], 'recovery codes page');
    await page.getByRole('link', { name: 'Continue to the dashboard' }).click();
    await page.waitForURL(`${h.baseUrl}/dashboard/c/${channel.channelId}`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await context.close();

    // Within the same 30 seconds the code just used is a replay.
    const second = await h.browser.newContext();
    const page2 = await second.newPage();
    await password(page2);
    assert.deepEqual(await seriousViolations(page2), [], 'code page');
    await page2.getByLabel('Authentication code').fill(codeFor(secret, clock.now()));
    await page2.getByRole('button', { name: 'Verify' }).click();
    await page2.getByText('That code was used already').waitFor();
    clock.advance(30_000);
    await page2.getByLabel('Authentication code').fill(codeFor(secret, clock.now()));
    await page2.getByRole('button', { name: 'Verify' }).click();
    await page2.waitForURL(`${h.baseUrl}/dashboard/c/${channel.channelId}`);
    await page2.getByRole('link', { name: 'Account' }).click();
    await page2.getByText('On: each sign-in asks for a code').waitFor();
    assert.deepEqual(await seriousViolations(page2), [], 'account page');
    await second.close();

    // A recovery code instead of the app.
    const third = await h.browser.newContext();
    const page3 = await third.newPage();
    await password(page3);
    await page3.getByLabel('Authentication code').fill(recovery[3]!);
    await page3.getByRole('button', { name: 'Verify' }).click();
    await page3.waitForURL(`${h.baseUrl}/dashboard/c/${channel.channelId}`);
    await page3.getByRole('link', { name: 'Account' }).click();
    await page3.getByText('9 of your recovery codes are unused').waitFor();
    await third.close();
  });
});
