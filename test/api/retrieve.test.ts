import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/lib/clock.js';
import { createTestApp, json, newSession, show, type TestApp, type TestChannel } from '../support/app.js';

describe('GET /api/v1/qualification_session/{id} (SPEC §1.5)', () => {
  let t: TestApp;
  let ch: TestChannel;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 20, 24, 13));
  before(async () => {
    t = await createTestApp({ clock });
    ch = await t.channel();
  });
  after(() => t.close());

  it('returns the same object create returned, with x-request-id', async () => {
    const created = await newSession(t, ch, {
      email: 'r@example.com',
      order_items: [{ sku: 'A', price: 5 }],
    });
    const res = await t.api('GET', `/api/v1/qualification_session/${created.qualification_session_id}`, {
      key: ch,
    });
    assert.equal(res.statusCode, 200, show(res));
    assert.match(res.headers['content-type'] as string, /^application\/json/);
    assert.match(res.headers['x-request-id'] as string, /^req_/);
    assert.deepEqual(json(res), created);
    assert.equal(json(res).created_at, '2026-11-28T20:24:13.000Z');
  });

  it('shows the current state after a transition (approved: expires_at, lmn_reviewed_at, eligible_amount)', async () => {
    const created = await newSession(t, ch, { order_items: [{ sku: 'A', price: 250, quantity: 4 }] });
    const id = created.qualification_session_id as string;
    clock.advance(60_000);
    const approved = await t.api('POST', `/api/v1/test_helpers/qualification_session/${id}/approve`, {
      key: ch,
      body: { validity_days: 30 },
    });
    assert.equal(approved.statusCode, 200, show(approved));
    const res = await t.api('GET', `/api/v1/qualification_session/${id}`, { key: ch });
    const s = json(res);
    assert.equal(s.status, 'approved', show(res));
    assert.equal(s.lmn_reviewed_at, '2026-11-28T20:25:13.000Z');
    assert.equal(s.expires_at, '2026-12-28T20:25:13.000Z');
    assert.equal(s.eligible_amount, 1000);
    assert.equal(s.updated_at, '2026-11-28T20:25:13.000Z');
    assert.equal(s.created_at, '2026-11-28T20:24:13.000Z');
  });

  it('404 NotFound for an unknown id, a malformed or over-long id and an upper-cased real id', async () => {
    const created = await newSession(t, ch);
    const id = created.qualification_session_id as string;
    for (const unknown of [
      'qs_00000000-0000-4000-8000-000000000000',
      'nope',
      id.toUpperCase(),
      `${id}x`,
      'x'.repeat(150),
      'x'.repeat(250),
    ]) {
      const res = await t.api('GET', `/api/v1/qualification_session/${unknown}`, { key: ch });
      assert.equal(res.statusCode, 404, `${unknown}: ${show(res)}`);
      const err = json(res);
      assert.equal(err.error, 'NotFound');
      assert.equal(err.request_id, res.headers['x-request-id']);
    }
  });

  it("404 for another channel's session, whose body reveals nothing of it", async () => {
    const created = await newSession(t, ch, { email: 'secret@example.com' });
    const other = await t.channel();
    const res = await t.api('GET', `/api/v1/qualification_session/${created.qualification_session_id}`, {
      key: other,
    });
    assert.equal(res.statusCode, 404, show(res));
    assert.equal(json(res).error, 'NotFound');
    assert.ok(!res.body.includes('secret@example.com'));
  });
});
