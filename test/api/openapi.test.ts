import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { renderOpenApi } from '../../scripts/openapi.js';
import { createTestApp, json, type TestApp } from '../support/app.js';

describe('OpenAPI document', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  it('is committed as openapi.json and matches what the routes generate (run `npm run openapi`)', async () => {
    const committed = readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8');
    assert.equal(committed, await renderOpenApi(), 'openapi.json drifted: run `npm run openapi`');
  });

  it('is served at /openapi.json as OpenAPI 3.1 with every merchant path', async () => {
    const response = await t.api('GET', '/openapi.json');
    assert.equal(response.statusCode, 200);
    const doc = json<{ openapi: string; paths: Record<string, unknown> }>(response);
    assert.equal(doc.openapi, '3.1.0');
    for (const path of [
      '/api/v1/qualification_session/create',
      '/api/v1/create_qualification_session',
      '/api/v1/qualification_session/{qualification_session_id}',
      '/api/v1/qualification_sessions',
      '/api/v1/qualification_session/{qualification_session_id}/update',
    ]) {
      assert.ok(doc.paths[path], `missing ${path}`);
    }
    assert.ok(!Object.keys(doc.paths).some((p) => p.startsWith('/q/') || p.startsWith('/console')));
  });

  it('renders the docs page at /docs', async () => {
    const response = await t.api('GET', '/docs/');
    assert.equal(response.statusCode, 200, response.body.slice(0, 200));
    assert.match(response.headers['content-type'] as string, /text\/html/);
  });
});
