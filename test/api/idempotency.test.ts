import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { DAY_MS, ManualClock } from '../../src/lib/clock.js';
import { createTestApp, json, show, type TestApp, type TestChannel } from '../support/app.js';

const CREATE = '/api/v1/qualification_session/create';

describe('idempotency (SPEC §1.4, §1.8)', () => {
  let t: TestApp;
  const clock = new ManualClock(Date.UTC(2026, 5, 1, 8, 0, 0));
  before(async () => {
    t = await createTestApp({ clock });
  });
  after(() => t.close());

  async function sessionCount(ch: TestChannel): Promise<number> {
    const row = await t.database.db
      .selectFrom('qualification_sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('sales_channel_id', '=', ch.channelId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  describe('create', () => {
    it('same key + same payload → the original bytes, idempotent-replayed: true, one session', async () => {
      const ch = await t.channel();
      const body = {
        idempotency_key: 'order-1001',
        email: 'a@example.com',
        order_items: [{ sku: 'A', price: 100 }],
      };
      const first = await t.api('POST', CREATE, { key: ch, body });
      assert.equal(first.statusCode, 200, show(first));
      assert.equal(first.headers['idempotent-replayed'], undefined);
      clock.advance(1000);
      const again = await t.api('POST', CREATE, { key: ch, body });
      assert.equal(again.statusCode, 200, show(again));
      assert.equal(again.body, first.body);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.headers['content-type'], first.headers['content-type']);
      assert.equal(await sessionCount(ch), 1);
    });

    it('the payload is compared canonically: key order and whitespace do not matter', async () => {
      const ch = await t.channel();
      const first = await t.api('POST', CREATE, {
        key: ch,
        body: '{"idempotency_key":"k","email":"a@example.com","source":"s","order_items":[{"sku":"A","price":1}]}',
      });
      assert.equal(first.statusCode, 200, show(first));
      const again = await t.api('POST', CREATE, {
        key: ch,
        body: '{ "order_items": [ {"price": 1, "sku": "A"} ], "source": "s", "email": "a@example.com", "idempotency_key": "k" }',
      });
      assert.equal(again.statusCode, 200, show(again));
      assert.equal(again.body, first.body);
      assert.equal(again.headers['idempotent-replayed'], 'true');
    });

    it('same key + different payload → 400 ValidationError, no second session', async () => {
      const ch = await t.channel();
      const first = await t.api('POST', CREATE, {
        key: ch,
        body: { idempotency_key: 'dup', email: 'a@example.com' },
      });
      assert.equal(first.statusCode, 200, show(first));
      for (const body of [
        { idempotency_key: 'dup', email: 'b@example.com' },
        { idempotency_key: 'dup' },
        { idempotency_key: 'dup', email: 'a@example.com', source: 'x' },
        { idempotency_key: 'dup', customer_email: 'a@example.com' },
        { idempotency_key: 'dup', email: 'a@example.com', order_items: [] },
      ]) {
        const res = await t.api('POST', CREATE, { key: ch, body });
        assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${show(res)}`);
        assert.equal(json(res).error, 'ValidationError');
        assert.equal(json(res).message, 'idempotency_key has already been used with a different payload');
        assert.equal(res.headers['idempotent-replayed'], undefined);
      }
      assert.equal(await sessionCount(ch), 1);
    });

    it('keys are scoped per channel: two channels may use the same key', async () => {
      const a = await t.channel();
      const b = await t.channel();
      const body = { idempotency_key: 'shared-key', user_id: 'u' };
      const ra = await t.api('POST', CREATE, { key: a, body });
      const rb = await t.api('POST', CREATE, { key: b, body });
      assert.equal(ra.statusCode, 200, show(ra));
      assert.equal(rb.statusCode, 200, show(rb));
      assert.equal(rb.headers['idempotent-replayed'], undefined);
      assert.notEqual(json(ra).qualification_session_id, json(rb).qualification_session_id);
      assert.equal(await sessionCount(a), 1);
      assert.equal(await sessionCount(b), 1);
    });

    it('keys are case-sensitive and compared exactly', async () => {
      const ch = await t.channel();
      const lower = await t.api('POST', CREATE, { key: ch, body: { idempotency_key: 'abc' } });
      const upper = await t.api('POST', CREATE, { key: ch, body: { idempotency_key: 'ABC' } });
      const spaced = await t.api('POST', CREATE, { key: ch, body: { idempotency_key: 'abc ' } });
      for (const res of [lower, upper, spaced]) assert.equal(res.statusCode, 200, show(res));
      assert.equal(await sessionCount(ch), 3);
    });

    it('a replay returns the original response even after the session moved on', async () => {
      const ch = await t.channel();
      const body = { idempotency_key: 'then-approved' };
      const first = await t.api('POST', CREATE, { key: ch, body });
      const id = json(first).qualification_session_id as string;
      const approve = await t.api('POST', `/api/v1/test_helpers/qualification_session/${id}/approve`, {
        key: ch,
        body: {},
      });
      assert.equal(approve.statusCode, 200, show(approve));
      const again = await t.api('POST', CREATE, { key: ch, body });
      assert.equal(again.body, first.body);
      assert.equal(json(again).status, 'pending');
    });

    it('stores key, SHA-256 fingerprint of the canonical body without the key, status, body and time', async () => {
      const ch = await t.channel();
      const body = { source: 's', idempotency_key: 'stored', email: 'z@example.com' };
      const res = await t.api('POST', CREATE, { key: ch, body });
      const rows = await t.database.db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('key', '=', 'stored')
        .where('scope', 'like', `%${ch.channelId}%`)
        .execute();
      assert.equal(rows.length, 1);
      const row = rows[0]!;
      const canonical = '{"email":"z@example.com","source":"s"}';
      assert.equal(row.fingerprint, createHash('sha256').update(canonical).digest('hex'));
      assert.equal(row.status_code, 200);
      // Issue 10 item 7: the stored body is the response with the link token left out.
      assert.equal(row.response_body, res.body.replace(/\?t=[A-Za-z0-9_-]{32}/, '?t={{link_token}}'));
      assert.equal(Number(row.created_at), clock.now());
    });
  });

  describe('prune (SPEC §1.8: kept at least 30 days)', () => {
    it('removes only records older than the retention; a pruned key can be used again', async () => {
      const ch = await t.channel();
      clock.set(Date.UTC(2026, 0, 1));
      const old = await t.api('POST', CREATE, { key: ch, body: { idempotency_key: 'old' } });
      clock.set(Date.UTC(2026, 0, 20));
      const recent = await t.api('POST', CREATE, { key: ch, body: { idempotency_key: 'recent' } });
      clock.set(Date.UTC(2026, 1, 5));
      const removed = await t.services.idempotency.prune(30 * DAY_MS);
      assert.ok(removed >= 1, `removed ${removed}`);
      const recentAgain = await t.api('POST', CREATE, { key: ch, body: { idempotency_key: 'recent' } });
      assert.equal(recentAgain.body, recent.body, 'a record younger than 30 days is kept');
      const oldAgain = await t.api('POST', CREATE, { key: ch, body: { idempotency_key: 'old' } });
      assert.equal(oldAgain.statusCode, 200, show(oldAgain));
      assert.notEqual(json(oldAgain).qualification_session_id, json(old).qualification_session_id);
      assert.equal(oldAgain.headers['idempotent-replayed'], undefined);
    });
  });
});
