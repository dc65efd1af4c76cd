import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  newSecret,
  type ProcessEnvOptions,
  request,
  runCli,
  type ServerProcess,
  showHttp,
  startServerProcess,
} from '../support/server-process.js';

const definition = JSON.parse(
  readFileSync(new URL('../../src/survey/definition.json', import.meta.url), 'utf8'),
) as { conditions: Array<{ label: string }> };

// issue 9 item 3 — `qualify serve` runs the bundle in dist/: what the in-process tests cannot see
// is what the bundling could break, namely files read from disk at run time: assets copied from
// src/ (the survey definition) and the files of a bundled package (Swagger UI's static/).
describe('the compiled build serves the files it reads at run time', () => {
  let testDatabase: TestDatabase;
  let options: ProcessEnvOptions;
  let server: ServerProcess;

  before(async () => {
    testDatabase = await createTestDatabase();
    options = { databaseUrl: testDatabase.url, secret: newSecret() };
    server = await startServerProcess(options);
  });
  after(async () => {
    await server?.stop();
    await testDatabase.drop();
  });

  it('renders the survey with the conditions of src/survey/definition.json', async () => {
    const channel = await runCli<{ api_key: string }>(
      ['channel', 'create', '--name', 'Build', '--json'],
      options,
    );
    const created = await request(server.url, 'POST', '/api/v1/qualification_session/create', {
      key: channel.api_key,
      body: { idempotency_key: 'compiled-1' },
    });
    assert.equal(created.status, 200, showHttp(created));
    const link = new URL(JSON.parse(created.text).redirect_url as string);
    const survey = await request(server.url, 'GET', `${link.pathname}${link.search}`);
    assert.equal(survey.status, 200, showHttp(survey));
    for (const { label } of definition.conditions) {
      const html = label.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      assert.ok(survey.text.includes(html), `survey page lacks "${label}": ${survey.text.slice(0, 500)}`);
    }
  });

  it('serves the API reference: /docs with Swagger UI and its static files, /openapi.json', async () => {
    const docs = await request(server.url, 'GET', '/docs/');
    assert.equal(docs.status, 200, showHttp(docs));
    assert.match(docs.text, /swagger-ui/i, showHttp(docs));
    const bundle = await request(server.url, 'GET', '/docs/static/swagger-ui-bundle.js');
    assert.equal(bundle.status, 200, `${bundle.status} ${bundle.text.slice(0, 200)}`);
    assert.ok(bundle.text.length > 100_000, `swagger-ui-bundle.js is ${bundle.text.length} bytes`);
    const openapi = await request(server.url, 'GET', '/openapi.json');
    assert.equal(openapi.status, 200, showHttp(openapi));
    assert.ok(JSON.parse(openapi.text).paths['/api/v1/qualification_session/create'], showHttp(openapi));
  });

  // Issue 12 — Chart.js is read from node_modules and the page script from the copied assets;
  // `qualify user add` prints the set-password link the dashboard then honours.
  it('serves the dashboard’s chart library and script, and the link `qualify user add` prints', async () => {
    const chart = await request(server.url, 'GET', '/dashboard/assets/chart.js');
    assert.equal(chart.status, 200, `${chart.status} ${chart.text.slice(0, 200)}`);
    assert.match(chart.text.slice(0, 200), /Chart\.js v4\.6\.1/);
    const script = await request(server.url, 'GET', '/dashboard/assets/dashboard.js');
    assert.equal(script.status, 200, showHttp(script));
    assert.match(script.text, /data-copy/);

    const channel = await runCli<{ sales_channel_id: string }>(
      ['channel', 'create', '--name', 'Dashboard', '--json'],
      options,
    );
    const added = await runCli<{ set_password_url: string; role: string }>(
      [
        'user',
        'add',
        '--channel',
        channel.sales_channel_id,
        '--email',
        'Dev@Merchant.example',
        '--role',
        'developer',
        '--json',
      ],
      options,
    );
    assert.equal(added.role, 'developer');
    const link = new URL(added.set_password_url);
    const page = await request(server.url, 'GET', `${link.pathname}${link.search}`);
    assert.equal(page.status, 200, showHttp(page));
    assert.match(page.text, /dev@merchant\.example/, showHttp(page));
  });

  // Issue 14 item 7 — cookie 1.x (CommonJS, pinned for Node 20) behind @fastify/cookie's dynamic
  // import: the bundle must still hand it the named functions, or every cookie is a 500.
  it('sets and reads cookies: the console sign-in page', async () => {
    const page = await request(server.url, 'GET', '/console');
    assert.equal(page.status, 200, showHttp(page));
    assert.match(page.headers.get('set-cookie') ?? '', /^qualify_sign_in=/, showHttp(page));
  });
});
