import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
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
