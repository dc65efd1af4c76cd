import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, json, show, type TestApp } from '../support/app.js';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** Issue 14 item 4 — the front door and the HTML/JSON 404 split. */
describe('front door', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { QUALIFY_ENV: 'development', PUBLIC_URL: 'http://qualify.test' } });
  });
  after(() => t.close());

  it('/ is a page naming the instance and linking docs, console, verify and the health endpoints', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 200, show(res));
    assert.match(String(res.headers['content-type']), /^text\/html/, show(res));
    assert.match(String(res.headers['content-security-policy']), /style-src 'unsafe-inline'/);
    for (const href of ['/docs', '/console', '/verify', '/healthz', '/readyz', '/openapi.json']) {
      assert.ok(res.body.includes(`href="${href}"`), `${href} in ${res.body}`);
    }
    assert.match(res.body, /<dt>Environment<\/dt><dd>development<\/dd>/, res.body);
    assert.match(res.body, /http:\/\/qualify\.test/, res.body);
    // Development: where the sandbox key was printed, never the key itself.
    assert.match(res.body, /printed once, in the terminal output of the first/, res.body);
    assert.doesNotMatch(res.body, /qk_test_/, res.body);
    // The dashboard is linked exactly when this build serves it.
    const dashboard = t.app.hasRoute({ method: 'GET', url: '/dashboard' });
    assert.equal(res.body.includes('href="/dashboard"'), dashboard, res.body);
  });

  it('the links on / all answer', async () => {
    for (const url of ['/docs', '/console', '/verify', '/healthz', '/readyz', '/openapi.json']) {
      const res = await t.app.inject({ method: 'GET', url });
      assert.ok(res.statusCode === 200 || res.statusCode === 302, `${url}: ${show(res)}`);
    }
  });

  it('/verify is a form whose code goes on to the letter address', async () => {
    const form = await t.app.inject({ method: 'GET', url: '/verify' });
    assert.equal(form.statusCode, 200, show(form));
    assert.match(form.body, /<label for="code">Verification code<\/label>/, form.body);
    const go = await t.app.inject({ method: 'GET', url: '/verify?code=ABCD-EFGH-JK' });
    assert.equal(go.statusCode, 303, show(go));
    assert.equal(go.headers.location, '/verify/ABCDEFGHJK', show(go));
  });

  it('an unknown path is an HTML 404 for a browser', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/no/such/page',
      headers: { accept: BROWSER_ACCEPT },
    });
    assert.equal(res.statusCode, 404, show(res));
    assert.match(String(res.headers['content-type']), /^text\/html/, show(res));
    assert.match(res.body, /Page not found/, res.body);
    assert.match(res.body, /href="\/"/, res.body);
    assert.match(
      String(res.headers['content-security-policy']),
      /^default-src 'none';style-src 'unsafe-inline';/,
    );
  });

  it('an unknown path is the flat JSON 404 otherwise', async () => {
    for (const accept of [undefined, '*/*', 'application/json']) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/v1/nothing',
        headers: accept ? { accept } : {},
      });
      assert.equal(res.statusCode, 404, show(res));
      assert.match(String(res.headers['content-type']), /^application\/json/, show(res));
      const body = json(res);
      assert.deepEqual(Object.keys(body), ['error', 'message', 'request_id'], show(res));
      assert.equal(body.error, 'NotFound', show(res));
    }
  });

  it('a known path with the wrong method stays a JSON 405, even for a browser', async () => {
    const res = await t.app.inject({
      method: 'DELETE',
      url: '/healthz',
      headers: { accept: BROWSER_ACCEPT },
    });
    assert.equal(res.statusCode, 405, show(res));
    assert.equal(json(res).error, 'MethodNotAllowed', show(res));
  });
});

describe('front door in production', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({ env: { QUALIFY_ENV: 'production' } });
  });
  after(() => t.close());

  it('says nothing about a sandbox key', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 200, show(res));
    assert.doesNotMatch(res.body, /Sandbox/, res.body);
    assert.match(res.body, /<dt>Environment<\/dt><dd>production<\/dd>/, res.body);
  });
});
