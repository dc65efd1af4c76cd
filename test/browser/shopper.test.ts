import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import type { TestChannel } from '../support/app.js';
import { createSession } from '../support/shopper.js';
import { type BrowserHarness, localLink, startBrowserHarness } from './harness.js';

describe('shopper survey in a browser (SPEC §2.2)', () => {
  let h: BrowserHarness;
  let channel: TestChannel;
  let page: Page;
  before(async () => {
    h = await startBrowserHarness();
    channel = await h.t.channel();
  });
  after(() => h.close());

  const status = async (id: string) =>
    JSON.parse((await h.t.api('GET', `/api/v1/qualification_session/${id}`, { key: channel })).body) as {
      status: string;
      email: string;
    };

  async function open(path: string): Promise<Page> {
    // A phone-sized viewport and no JavaScript: the survey must work with neither.
    const context = await h.browser.newContext({
      viewport: { width: 375, height: 740 },
      javaScriptEnabled: false,
    });
    page = await context.newPage();
    const response = await page.goto(localLink(h, path));
    assert.equal(response?.status(), 200);
    return page;
  }

  it('goes from the link through the survey to success_url', async () => {
    const session = await createSession(h.t, channel, {
      email: 'prefilled@example.com',
      success_url: `${h.merchantUrl}/thanks?qs=%7B%7Bqualification_session_id%7D%7D`,
    });
    const page = await open(session.path);
    assert.equal(await page.getByLabel('Email').inputValue(), 'prefilled@example.com');
    await page.getByLabel('Email').fill('shopper@example.com');
    await page.getByLabel('Date of birth').fill('1985-07-14');
    await page.getByLabel('State').selectOption({ label: 'Colorado' });
    await page.getByLabel('High cholesterol').check();
    await page.getByLabel('Chronic pain or arthritis').check();
    await page.getByLabel('Details').fill('Knee pain for three years.');
    await page.getByLabel('telehealth').check();
    await page.getByLabel('privacy').check();
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.waitForURL(`${h.merchantUrl}/thanks?qs=${session.id}`);
    assert.equal(await page.locator('h1').textContent(), `Merchant page /thanks?qs=${session.id}`);
    const row = await status(session.id);
    assert.equal(row.status, 'processing');
    assert.equal(row.email, 'shopper@example.com');
    await page.context().close();
  });

  it('keeps what was typed when the form has an error', async () => {
    const session = await createSession(h.t, channel);
    const page = await open(session.path);
    await page.getByLabel('Email').fill('typed@example.com');
    await page.getByLabel('Date of birth').fill('1990-01-31');
    await page.getByLabel('State').selectOption('OH');
    await page.getByLabel('Insomnia').check();
    await page.getByLabel('Details').fill('Typed details that must survive.');
    await page.getByLabel('telehealth').check();
    // The privacy notice is not accepted.
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.getByText('There is a problem').waitFor();
    assert.ok(await page.getByText('Accept the privacy notice to continue.').first().isVisible());
    assert.equal(await page.getByLabel('Email').inputValue(), 'typed@example.com');
    assert.equal(await page.getByLabel('Date of birth').inputValue(), '1990-01-31');
    assert.equal(await page.getByLabel('State').inputValue(), 'OH');
    assert.equal(await page.getByLabel('Insomnia').isChecked(), true);
    assert.equal(await page.getByLabel('Details').inputValue(), 'Typed details that must survive.');
    assert.equal(await page.getByLabel('telehealth').isChecked(), true);
    assert.equal(await page.getByLabel('privacy').isChecked(), false);
    assert.equal((await status(session.id)).status, 'pending');

    await page.getByLabel('privacy').check();
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.getByText('Your answers were sent').waitFor();
    assert.equal((await status(session.id)).status, 'processing');
    await page.context().close();
  });

  it('declines to failure_url; the session stays pending and the link still opens the survey', async () => {
    const session = await createSession(h.t, channel, {
      failure_url: `${h.merchantUrl}/cart?declined=%7B%7Bqualification_session_id%7D%7D`,
    });
    const page = await open(session.path);
    await page.getByRole('button', { name: 'Decline' }).click();
    await page.waitForURL(`${h.merchantUrl}/cart?declined=${session.id}`);
    assert.equal((await status(session.id)).status, 'pending');
    await page.goto(localLink(h, session.path));
    assert.ok(await page.getByLabel('Date of birth').isVisible());
    await page.context().close();
  });

  it('refuses a forged link with an error page', async () => {
    const session = await createSession(h.t, channel);
    const page = await open(session.path);
    const response = await page.goto(`${h.baseUrl}/q/${session.id}?t=${'x'.repeat(32)}`);
    assert.equal(response?.status(), 403);
    assert.ok(await page.getByText('This link is not valid').isVisible());
    await page.context().close();
  });
});
