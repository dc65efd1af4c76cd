import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, json, show, type TestApp, type TestChannel } from '../support/app.js';

describe('stored idempotent responses hold no working shopper link (issue 10 item 7)', () => {
  let t: TestApp;
  let channel: TestChannel;
  before(async () => {
    t = await createTestApp();
    channel = await t.channel();
  });
  after(() => t.close());

  it('stores a placeholder for the token and replays the same working link', async () => {
    const body = { idempotency_key: 'links-1', order_items: [{ sku: 'A', name: 'A', price: 100 }] };
    const first = await t.api('POST', '/api/v1/qualification_session/create', { key: channel, body });
    assert.equal(first.statusCode, 200, show(first));
    const created = json<{ redirect_url: string; qualification_session_id: string }>(first);
    const token = new URL(created.redirect_url).searchParams.get('t')!;
    assert.equal(token.length, 32);

    const rows = await t.database.db.selectFrom('idempotency_keys').select('response_body').execute();
    const stored = rows.map((r) => r.response_body).join('\n');
    assert.ok(stored.includes(created.qualification_session_id), stored);
    assert.ok(!stored.includes(token), `a stored response holds the link token: ${stored}`);
    assert.match(stored, /\?t=\{\{link_token\}\}/);

    const replay = await t.api('POST', '/api/v1/qualification_session/create', { key: channel, body });
    assert.equal(replay.statusCode, 200, show(replay));
    assert.equal(replay.body, first.body, 'the replay is the same bytes as the first response');
    const link = new URL(json<{ redirect_url: string }>(replay).redirect_url);
    const page = await t.app.inject({ method: 'GET', url: link.pathname + link.search });
    assert.equal(page.statusCode, 200, show(page));
  });
});
