import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { SANDBOX_DATE_OF_BIRTH } from '../../src/lmn/lmn.service.js';
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

describe('the shopper side of the letter in a browser (issue 10)', () => {
  let h: BrowserHarness;
  let live: TestChannel;
  let sandbox: TestChannel;
  before(async () => {
    h = await startBrowserHarness();
    live = await h.t.channel({ live: true, name: 'Acme Wellness' });
    sandbox = await h.t.channel({ name: 'Sandbox Shop' });
    await h.t.services.channels.updateSettings(live.channelId, {
      displayName: 'Acme Wellness Store',
      supportEmail: 'help@acme.example',
    });
  });
  after(() => h.close());

  const open = async (path: string) => {
    const context = await h.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(localLink(h, path));
    return page;
  };

  it('names the merchant and the items, links the privacy notice, and keeps saved answers over a reload', async () => {
    const session = await createSession(h.t, live, {
      order_items: [{ sku: 'BP-1', name: 'Blood pressure monitor', price: 5000 }],
    });
    const page = await open(session.path);
    await page.getByText('Acme Wellness Store').first().waitFor();
    await page.getByText('Blood pressure monitor').waitFor();
    await page.getByText('help@acme.example').waitFor();
    await page.getByLabel('Email').fill('sam@example.com');
    await page.getByLabel('Date of birth').fill('1979-11-02');
    await page.getByLabel('High blood pressure (hypertension)').check();
    await page.getByLabel('Details').fill('Since 2018.');
    await page.getByRole('button', { name: 'Save my answers' }).click();
    await page.getByText('Your answers are saved').waitFor();
    await page.goto(localLink(h, session.path));
    assert.equal(await page.getByLabel('Date of birth').inputValue(), '1979-11-02');
    assert.equal(await page.getByLabel('Details').inputValue(), 'Since 2018.');
    assert.equal(await page.getByLabel('High blood pressure (hypertension)').isChecked(), true);
    await page.getByRole('link', { name: 'Privacy notice', exact: true }).click();
    await page.getByRole('heading', { name: 'Privacy notice' }).waitFor();
    await page.getByText('The store does not see your answers').waitFor();
  });

  it('locks the letter after five wrong dates of birth', async () => {
    const session = await createSession(h.t, sandbox, { customer_name: 'Lou Lock' });
    const approved = await h.t.api(
      'POST',
      `/api/v1/test_helpers/qualification_session/${session.id}/approve`,
      {
        key: sandbox,
        body: {},
      },
    );
    assert.equal(approved.statusCode, 200, approved.body);
    const page = await open(session.path);
    for (let i = 0; i < 4; i += 1) {
      await page.getByLabel('Date of birth').fill('2000-01-01');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByText('does not match our records').waitFor();
    }
    await page.getByLabel('Date of birth').fill('2000-01-01');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Too many tries' }).waitFor();
  });

  it("shows a test letter's mark, and /verify says it is not valid", async () => {
    const session = await createSession(h.t, sandbox, {
      customer_name: 'Tess Test',
      order_items: [{ sku: 'T-1', name: 'Test item', price: 100 }],
    });
    await h.t.api('POST', `/api/v1/test_helpers/qualification_session/${session.id}/approve`, {
      key: sandbox,
      body: {},
    });
    const page = await open(session.path);
    await page.getByLabel('Date of birth').fill(SANDBOX_DATE_OF_BIRTH);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('TEST — NOT VALID FOR REIMBURSEMENT').first().waitFor();
    const code = ((await page.locator('article.letter strong').last().textContent()) ?? '').replace('-', '');
    await page.goto(`${h.baseUrl}/verify/${code}`);
    await page.getByRole('heading', { name: 'Test letter — not valid' }).waitFor();
  });

  it('shows a rejected shopper the reason and a link back to the store', async () => {
    const session = await createSession(h.t, live, { failure_url: 'https://shop.example/cart' });
    const page = await open(session.path);
    await page.getByLabel('Email').fill('young@example.com');
    await page.getByLabel('Date of birth').fill('2014-05-05');
    await page.getByLabel('State').selectOption('CA');
    await page.getByLabel('High blood pressure (hypertension)').check();
    await page.getByLabel('I consent to a telehealth review').check();
    await page.getByLabel('I have read and accept the privacy notice').check();
    const [request] = await Promise.all([
      page.waitForRequest((r) => r.url().startsWith('https://shop.example/')),
      page.getByRole('button', { name: 'Submit' }).click(),
    ]);
    assert.equal(request.url(), 'https://shop.example/cart');
    const again = await open(session.path);
    await again.getByRole('heading', { name: 'Your request was not approved' }).waitFor();
    await again.getByText('You must be 18 or older').waitFor();
    assert.equal(
      await again.getByRole('link', { name: 'Back to the store' }).getAttribute('href'),
      'https://shop.example/cart',
    );
  });
});
