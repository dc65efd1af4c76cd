import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY_MS, ManualClock } from '../../src/lib/clock.js';
import { createTestApp, json, newSession, show, type TestApp, type TestChannel } from '../support/app.js';

const BASE = '/api/v1/test_helpers/qualification_session';
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

describe('test helpers (SPEC §5)', () => {
  let t: TestApp;
  let ch: TestChannel;
  const clock = new ManualClock(NOW);
  before(async () => {
    t = await createTestApp({ clock });
    ch = await t.channel();
  });
  after(() => t.close());

  const createSession = async (body: Record<string, unknown> = {}, key: TestChannel = ch) =>
    (await newSession(t, key, body)).qualification_session_id as string;
  const call = (id: string, action: string, body?: unknown, key: TestChannel = ch) =>
    t.api('POST', `${BASE}/${id}/${action}`, { key, ...(body === undefined ? {} : { body }) });
  async function transitions(id: string): Promise<string[]> {
    const rows = await t.database.db
      .selectFrom('session_transitions')
      .select(['from_status', 'to_status', 'actor'])
      .where('session_id', '=', id)
      .orderBy('created_at')
      .orderBy('to_status', 'desc')
      .execute();
    return rows.map((r) => `${r.from_status}>${r.to_status}:${r.actor}`);
  }

  describe('submit', () => {
    it('moves pending → processing and returns the full object; email and state are taken', async () => {
      const id = await createSession();
      const res = await call(id, 'submit', { email: 'shopper@example.com', state: 'CA' });
      assert.equal(res.statusCode, 200, show(res));
      const s = json(res);
      assert.equal(Object.keys(s).length, 27, show(res));
      assert.equal(s.qualification_session_id, id);
      assert.equal(s.status, 'processing');
      assert.equal(s.email, 'shopper@example.com');
      assert.equal(s.expires_at, null);
      assert.equal(s.lmn_reviewed_at, null);
      assert.ok(!res.body.includes('"CA"'), 'the shopper state is not part of the object');
      assert.deepEqual(await transitions(id), ['pending>processing:test_helper']);
    });

    it('works with no body at all and keeps an email given at create', async () => {
      const id = await createSession({ email: 'kept@example.com' });
      const res = await call(id, 'submit');
      assert.equal(res.statusCode, 200, show(res));
      assert.equal(json(res).status, 'processing');
      assert.equal(json(res).email, 'kept@example.com');
    });

    it('an empty body sent as application/json also means all defaults', async () => {
      const id = await createSession();
      const res = await t.api('POST', `${BASE}/${id}/approve`, {
        key: ch,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.statusCode, 200, show(res));
      assert.equal(json(res).status, 'approved');
    });

    it('records the processing event in the same transaction', async () => {
      const id = await createSession();
      assert.equal((await call(id, 'submit', {})).statusCode, 200);
      const events = await t.database.db
        .selectFrom('events')
        .select(['type'])
        .where('session_id', '=', id)
        .execute();
      assert.deepEqual(
        events.map((e) => e.type),
        ['qualification_session.processing'],
      );
    });

    it('409 InvalidStatusTransition when not pending', async () => {
      const id = await createSession();
      assert.equal((await call(id, 'submit', {})).statusCode, 200);
      const res = await call(id, 'submit', {});
      assert.equal(res.statusCode, 409, show(res));
      assert.equal(json(res).error, 'InvalidStatusTransition');
    });

    it('400 for a bad email, a bad state and unknown fields', async () => {
      const id = await createSession();
      for (const [body, message] of [
        [{ email: 'nope' }, 'email must be an email address'],
        [{ state: 'California' }, 'state must be a two-letter US state code'],
        [{ colour: 'red' }, 'colour is not a recognised field'],
      ] as const) {
        const res = await call(id, 'submit', body);
        assert.equal(res.statusCode, 400, show(res));
        assert.equal(json(res).message, message);
      }
    });
  });

  describe('approve', () => {
    it('approves from pending (submitting first): expires_at = now + 365 days, eligible_amount = every item', async () => {
      const id = await createSession({
        order_items: [{ sku: 'A', price: 1000, quantity: 2 }, { sku: 'B', price: 550 }, { sku: 'C' }],
      });
      const res = await call(id, 'approve', {});
      assert.equal(res.statusCode, 200, show(res));
      const s = json(res);
      assert.equal(s.status, 'approved');
      assert.equal(s.lmn_reviewed_at, new Date(NOW).toISOString());
      assert.equal(s.expires_at, new Date(NOW + 365 * DAY_MS).toISOString());
      assert.equal(s.eligible_amount, 2550);
      assert.equal(s.rejection_reason, null);
      assert.deepEqual(await transitions(id), [
        'pending>processing:test_helper',
        'processing>approved:test_helper',
      ]);
    });

    it('approves from processing; validity_days sets expires_at; sku limits eligible_amount', async () => {
      const id = await createSession({
        order_items: [
          { sku: 'A', price: 1000, quantity: 3 },
          { sku: 'B', price: 550 },
          { sku: 'C', price: 1 },
        ],
      });
      assert.equal((await call(id, 'submit', {})).statusCode, 200);
      const res = await call(id, 'approve', { validity_days: 30, sku: ['A', 'C'] });
      assert.equal(res.statusCode, 200, show(res));
      assert.equal(json(res).expires_at, new Date(NOW + 30 * DAY_MS).toISOString());
      assert.equal(json(res).eligible_amount, 3001);
    });

    it('an empty sku list covers nothing (eligible_amount 0); a session without items is 0', async () => {
      const id = await createSession({ order_items: [{ sku: 'A', price: 1000 }] });
      const res = await call(id, 'approve', { sku: [] });
      assert.equal(res.statusCode, 200, show(res));
      assert.equal(json(res).eligible_amount, 0);
      const bare = await createSession();
      assert.equal(json(await call(bare, 'approve')).eligible_amount, 0);
    });

    it('400 for a sku not in the order, validity_days out of range or not an integer', async () => {
      const id = await createSession({ order_items: [{ sku: 'A', price: 1 }] });
      for (const [body, message] of [
        [{ sku: ['Z'] }, /sku Z/],
        [{ validity_days: 0 }, /^validity_days must be at least 1$/],
        [{ validity_days: 366 }, /^validity_days must be at most 365$/],
        [{ validity_days: 1.5 }, /^validity_days must be an integer$/],
        [{ sku: 'A' }, /^sku must be an array$/],
      ] as const) {
        const res = await call(id, 'approve', body);
        assert.equal(res.statusCode, 400, show(res));
        assert.equal(json(res).error, 'ValidationError');
        assert.match(json(res).message as string, message, show(res));
      }
      const after = await t.api('GET', `/api/v1/qualification_session/${id}`, { key: ch });
      assert.equal(json(after).status, 'pending', 'a failed approve rolls back its submit as well');
    });

    it('records one complete event', async () => {
      const id = await createSession();
      assert.equal((await call(id, 'approve', {})).statusCode, 200);
      const types = await t.database.db
        .selectFrom('events')
        .select(['type'])
        .where('session_id', '=', id)
        .execute();
      assert.deepEqual(types.map((e) => e.type).sort(), [
        'qualification_session.complete',
        'qualification_session.processing',
      ]);
    });
  });

  describe('reject', () => {
    it('rejects from pending with the default reason clinician_declined', async () => {
      const id = await createSession({ order_items: [{ sku: 'A', price: 5 }] });
      const res = await call(id, 'reject', {});
      assert.equal(res.statusCode, 200, show(res));
      const s = json(res);
      assert.equal(s.status, 'rejected');
      assert.equal(s.rejection_reason, 'clinician_declined');
      assert.equal(s.expires_at, null);
      assert.equal(s.eligible_amount, null);
      assert.equal(s.lmn_reviewed_at, new Date(NOW).toISOString());
    });

    it('takes a reason from the closed set; any other is a 400', async () => {
      const id = await createSession();
      const bad = await call(id, 'reject', { reason: 'has_diabetes' });
      assert.equal(bad.statusCode, 400, show(bad));
      assert.match(json(bad).message as string, /^reason must be one of /);
      const res = await call(id, 'reject', { reason: 'state_not_serviceable' });
      assert.equal(res.statusCode, 200, show(res));
      assert.equal(json(res).rejection_reason, 'state_not_serviceable');
    });
  });

  describe('forbidden and impossible calls', () => {
    it('409 InvalidStatusTransition out of a terminal status, for every helper', async () => {
      const approved = await createSession();
      const rejected = await createSession();
      assert.equal((await call(approved, 'approve', {})).statusCode, 200);
      assert.equal((await call(rejected, 'reject', {})).statusCode, 200);
      for (const id of [approved, rejected]) {
        for (const action of ['submit', 'approve', 'reject']) {
          const res = await call(id, action, {});
          assert.equal(res.statusCode, 409, `${action}: ${show(res)}`);
          assert.equal(json(res).error, 'InvalidStatusTransition');
        }
      }
      const s = json(await t.api('GET', `/api/v1/qualification_session/${approved}`, { key: ch }));
      assert.equal(s.status, 'approved');
    });

    it('403 Forbidden for a live-mode key, before anything else (even an unknown session)', async () => {
      const live = await t.channel({ live: true });
      const id = await createSession({}, live);
      for (const action of ['submit', 'approve', 'reject']) {
        for (const target of [id, 'qs_00000000-0000-4000-8000-000000000000']) {
          const res = await call(target, action, {}, live);
          assert.equal(res.statusCode, 403, `${action} ${target}: ${show(res)}`);
          assert.equal(json(res).error, 'Forbidden');
        }
      }
      const s = json(await t.api('GET', `/api/v1/qualification_session/${id}`, { key: live }));
      assert.equal(s.status, 'pending');
      assert.equal(s.livemode, true);
    });

    it("404 for an unknown session and another channel's session", async () => {
      const other = await t.channel();
      const theirs = await createSession({}, other);
      for (const action of ['submit', 'approve', 'reject']) {
        for (const id of ['qs_00000000-0000-4000-8000-000000000000', theirs]) {
          const res = await call(id, action, {});
          assert.equal(res.statusCode, 404, `${action}: ${show(res)}`);
          assert.equal(json(res).error, 'NotFound');
        }
      }
      const s = json(await t.api('GET', `/api/v1/qualification_session/${theirs}`, { key: other }));
      assert.equal(s.status, 'pending');
    });
  });
});
