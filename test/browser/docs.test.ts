import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BrowserHarness, startBrowserHarness } from './harness.js';

// Issue 13 item 4 — /docs has a CSP of its own; Swagger UI must still render under it.
describe('/docs in a browser under its Content-Security-Policy', () => {
  let h: BrowserHarness;
  before(async () => {
    h = await startBrowserHarness();
  });
  after(() => h.close());

  it('renders every operation with no CSP violation', async () => {
    const context = await h.browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { cspViolations: string[] }).cspViolations = seen;
      document.addEventListener('securitypolicyviolation', (event) =>
        seen.push(`${event.violatedDirective} ${event.blockedURI}`),
      );
    });
    const console: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') console.push(message.text());
    });
    const response = await page.goto(`${h.baseUrl}/docs`);
    assert.equal(response?.status(), 200);
    const csp = response?.headers()['content-security-policy'] ?? '';
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/, 'no inline or remote scripts');

    await page.waitForSelector('.opblock-summary-path', { timeout: 30_000 });
    const paths = await page.$$eval('.opblock-summary-path', (nodes) =>
      nodes.map((n) => n.textContent?.trim()),
    );
    for (const path of ['/api/v1/qualification_session/create', '/api/v1/webhook_endpoints'])
      assert.ok(
        paths.some((p) => p?.replace(/\u200b/g, '') === path),
        `${path} not rendered: ${paths.join(', ')}`,
      );
    const violations = await page.evaluate(
      () => (window as unknown as { cspViolations: string[] }).cspViolations,
    );
    assert.deepEqual(violations, [], 'Swagger UI broke the CSP');
    assert.deepEqual(
      console.filter((text) => /Content Security Policy|Refused to/i.test(text)),
      [],
      console.join('\n'),
    );
    await context.close();
  });

  // Issue 14 item 4 — the front door: a page in a browser, its links followed by role and name.
  it('/ shows the front door; its API reference link opens /docs; an unknown path is a page', async () => {
    const context = await h.browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`${h.baseUrl}/`);
    assert.equal(response?.status(), 200);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Qualify');
    await page.getByRole('link', { name: /API reference/ }).click();
    await page.waitForURL(/\/docs/);
    await page.goBack();
    await page.getByRole('link', { name: /Verify a letter/ }).click();
    await page.getByLabel('Verification code').fill('ABCD-EFGH-JK');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(/\/verify\/ABCDEFGHJK$/);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Unknown letter');
    const missing = await page.goto(`${h.baseUrl}/no/such/page`);
    assert.equal(missing?.status(), 404);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Page not found');
    await context.close();
  });
});
