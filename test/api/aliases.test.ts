import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, json, newSession, show, type TestApp } from '../support/app.js';

const CREATE = '/api/v1/qualification_session/create';
const update = (id: string) => `/api/v1/qualification_session/${id}/update`;

/** Issue 14 item 2 — names other clients use: pagination `count`, the `Idempotency-Key` header. */
describe('compatibility aliases', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  async function sessionCount(channelId: string): Promise<number> {
    const res = await t.database.db
      .selectFrom('qualification_sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('sales_channel_id', '=', channelId)
      .executeTakeFirstOrThrow();
    return Number(res.n);
  }

  it('pagination carries count, equal to total_count, on every page', async () => {
    const ch = await t.channel();
    for (let i = 0; i < 3; i++) await newSession(t, ch);
    for (const page of [1, 2, 5]) {
      const res = await t.api('GET', `/api/v1/qualification_sessions?page_size=2&page=${page}`, { key: ch });
      assert.equal(res.statusCode, 200, show(res));
      const { pagination } = json<{ pagination: Record<string, number> }>(res);
      assert.equal(pagination.count, 3, show(res));
      assert.equal(pagination.total_count, 3, show(res));
    }
  });

  it('create takes the key from the Idempotency-Key header, and a retry through the header replays', async () => {
    const ch = await t.channel();
    const body = { email: 'ada@example.com', order_items: [{ sku: 'SKU-1', price: 1999 }] };
    const headers = { 'idempotency-key': 'order-7-attempt' };
    const first = await t.api('POST', CREATE, { key: ch, body, headers });
    assert.equal(first.statusCode, 200, show(first));
    assert.equal(first.headers['idempotent-replayed'], undefined, show(first));
    const again = await t.api('POST', CREATE, { key: ch, body, headers });
    assert.equal(again.statusCode, 200, show(again));
    assert.equal(again.headers['idempotent-replayed'], 'true', show(again));
    assert.equal(again.body, first.body);
    // The body field and the header name the same key: the body form replays it too.
    const viaBody = await t.api('POST', CREATE, {
      key: ch,
      body: { ...body, idempotency_key: 'order-7-attempt' },
    });
    assert.equal(viaBody.statusCode, 200, show(viaBody));
    assert.equal(viaBody.body, first.body);
    assert.equal(await sessionCount(ch.channelId), 1);

    // A different payload under the same header key is refused as it is with the body field.
    const clash = await t.api('POST', CREATE, { key: ch, body: { email: 'other@example.com' }, headers });
    assert.equal(clash.statusCode, 400, show(clash));
    assert.equal(
      json(clash).message,
      'idempotency_key has already been used with a different payload',
      show(clash),
    );
  });

  it('both given and equal is fine; both given and different is a 400; neither is a 400', async () => {
    const ch = await t.channel();
    const same = await t.api('POST', CREATE, {
      key: ch,
      body: { idempotency_key: 'k-same' },
      headers: { 'idempotency-key': 'k-same' },
    });
    assert.equal(same.statusCode, 200, show(same));

    const differ = await t.api('POST', CREATE, {
      key: ch,
      body: { idempotency_key: 'k-body' },
      headers: { 'idempotency-key': 'k-header' },
    });
    assert.equal(differ.statusCode, 400, show(differ));
    assert.equal(json(differ).error, 'ValidationError', show(differ));
    assert.match(String(json(differ).message), /Idempotency-Key header differ/, show(differ));

    const neither = await t.api('POST', CREATE, { key: ch, body: { email: 'a@example.com' } });
    assert.equal(neither.statusCode, 400, show(neither));
    assert.equal(json(neither).message, 'idempotency_key is required', show(neither));

    const empty = await t.api('POST', CREATE, { key: ch, body: {}, headers: { 'idempotency-key': '' } });
    assert.equal(empty.statusCode, 400, show(empty));
    assert.equal(json(empty).error, 'ValidationError', show(empty));
    assert.equal(await sessionCount(ch.channelId), 1);
  });

  it('update takes the header too, replays through it, and refuses a different body key', async () => {
    const ch = await t.channel();
    const id = (await newSession(t, ch)).qualification_session_id as string;
    const headers = { 'idempotency-key': 'upd-1' };
    const first = await t.api('POST', update(id), { key: ch, body: { user_id: 'cust_42' }, headers });
    assert.equal(first.statusCode, 200, show(first));
    const again = await t.api('POST', update(id), { key: ch, body: { user_id: 'cust_42' }, headers });
    assert.equal(again.statusCode, 200, show(again));
    assert.equal(again.headers['idempotent-replayed'], 'true', show(again));
    assert.equal(again.body, first.body);

    const differ = await t.api('POST', update(id), {
      key: ch,
      body: { idempotency_key: 'upd-2', metadata: 'x' },
      headers,
    });
    assert.equal(differ.statusCode, 400, show(differ));
    const neither = await t.api('POST', update(id), { key: ch, body: { metadata: 'x' } });
    assert.equal(neither.statusCode, 400, show(neither));
    assert.equal(json(neither).message, 'idempotency_key is required', show(neither));

    const session = await t.api('GET', `/api/v1/qualification_session/${id}`, { key: ch });
    assert.equal(json(session).user_id, 'cust_42', show(session));
    assert.equal(json(session).metadata, null, show(session));
  });
});
