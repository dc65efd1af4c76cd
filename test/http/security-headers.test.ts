import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../support/app.js';

// Issue 13 item 4 — one header policy per page family; frame-ancestors 'none' everywhere.
const FAMILIES: Array<[family: string, url: string, csp: RegExp]> = [
  ['api', '/api/v1/qualification_sessions', /^default-src 'none';frame-ancestors 'none';base-uri 'none'$/],
  ['api', '/openapi.json', /^default-src 'none';/],
  ['api', '/healthz', /^default-src 'none';/],
  ['api', '/no/such/path', /^default-src 'none';/],
  [
    'pages',
    '/q/qs_00000000-0000-0000-0000-000000000000?t=x',
    /^default-src 'none';style-src 'unsafe-inline';/,
  ],
  ['pages', '/console', /^default-src 'none';style-src 'unsafe-inline';/],
  ['pages', '/verify/ABCD-EFGH-JK', /^default-src 'none';style-src 'unsafe-inline';/],
  ['docs', '/docs', /^default-src 'self';script-src 'self';style-src 'self' 'unsafe-inline';/],
  ['docs', '/docs/json', /^default-src 'self';/],
];

describe('security headers per page family', () => {
  for (const [publicUrl, hsts] of [
    ['https://qualify.example', true],
    ['http://qualify.test', false],
  ] as const) {
    describe(`PUBLIC_URL ${publicUrl}`, () => {
      let t: TestApp;
      before(async () => {
        t = await createTestApp({ env: { PUBLIC_URL: publicUrl } });
      });
      after(() => t.close());

      for (const [family, url, csp] of FAMILIES) {
        it(`${family}: ${url}`, async () => {
          const response = await t.app.inject({ method: 'GET', url });
          const headers = response.headers;
          const shown = `${response.statusCode} ${JSON.stringify(headers)}`;
          assert.match(String(headers['content-security-policy']), csp, shown);
          assert.match(String(headers['content-security-policy']), /frame-ancestors 'none'/, shown);
          assert.equal(headers['x-frame-options'], 'DENY', shown);
          assert.equal(headers['x-content-type-options'], 'nosniff', shown);
          assert.equal(headers['referrer-policy'], 'no-referrer', shown);
          assert.equal(
            headers['strict-transport-security'],
            hsts ? 'max-age=31536000' : undefined,
            `HSTS only over https: ${shown}`,
          );
          if (family === 'pages') assert.equal(headers['cache-control'], 'no-store', shown);
          assert.equal(typeof headers['x-request-id'], 'string', 'other headers survive');
        });
      }
    });
  }
});
