import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { createTestApp, type TestApp, type TestAppOptions } from '../support/app.js';

export interface BrowserHarness {
  t: TestApp;
  browser: Browser;
  /** Base URL of the listening Qualify server. */
  baseUrl: string;
  /** A stand-in merchant site: every path answers a small page naming itself. */
  merchantUrl: string;
  close(): Promise<void>;
}

/** A real listening server (port 0), a stub merchant, and Debian's chromium (never downloaded). */
export async function startBrowserHarness(options: TestAppOptions = {}): Promise<BrowserHarness> {
  const t = await createTestApp(options);
  const baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
  const merchant: Server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><title>Merchant</title><h1>Merchant page ${request.url}</h1>`);
  });
  await new Promise<void>((resolve) => merchant.listen(0, '127.0.0.1', resolve));
  const merchantUrl = `http://127.0.0.1:${(merchant.address() as AddressInfo).port}`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  return {
    t,
    browser,
    baseUrl,
    merchantUrl,
    async close() {
      await browser.close();
      await new Promise((resolve) => merchant.close(resolve));
      await t.close();
    },
  };
}

/** The shopper link, pointed at the listening server instead of PUBLIC_URL. */
export function localLink(harness: BrowserHarness, path: string): string {
  return `${harness.baseUrl}${path}`;
}

/** axe-core's serious and critical violations on the page, one line each (empty: none). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(): Promise<{
            violations: Array<{
              id: string;
              impact: string | null;
              help: string;
              nodes: Array<{ html: string }>;
            }>;
          }>;
        };
      }
    ).axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.html).join('; ')})`);
}

/**
 * `seriousViolations` for a page opened with JavaScript off (the console's tests prove it works
 * without scripts, and axe needs them): its HTML, styles inline, is checked in a scripted page.
 */
export async function seriousViolationsOfStatic(harness: BrowserHarness, page: Page): Promise<string[]> {
  const context = await harness.browser.newContext();
  try {
    const copy = await context.newPage();
    await copy.setContent(await page.content());
    return await seriousViolations(copy);
  } finally {
    await context.close();
  }
}
