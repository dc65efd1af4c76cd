import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SessionStatus } from '../../src/sessions/sessions.vocabulary.js';
import { createTestApp, json, show, type TestApp, type TestChannel } from '../support/app.js';

/**
 * SPEC §1.6 — `total_count` is exact. With only channel and status filters it comes from the
 * maintained per-status counts (migration 004), so this checks them against a real COUNT(*) after
 * concurrent creates and transitions, including racing transitions of the same session.
 */
describe('list total_count stays exact under concurrent creates and transitions', () => {
  let t: TestApp;
  let channel: TestChannel;
  let other: TestChannel;

  before(async () => {
    t = await createTestApp();
    channel = await t.channel();
    other = await t.channel({ name: 'Other' });
  });
  after(() => t.close());

  async function create(key: string, owner = channel): Promise<string> {
    const response = await t.api('POST', '/api/v1/qualification_session/create', {
      key: owner,
      body: { idempotency_key: key },
    });
    assert.equal(response.statusCode, 200, show(response));
    return json<{ qualification_session_id: string }>(response).qualification_session_id;
  }

  async function realCount(statuses?: SessionStatus[]): Promise<number> {
    let query = t.database.db
      .selectFrom('qualification_sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('sales_channel_id', '=', channel.channelId);
    if (statuses) query = query.where('status', 'in', statuses);
    return Number((await query.executeTakeFirstOrThrow()).n);
  }

  async function listedTotal(status?: string): Promise<number> {
    const response = await t.api(
      'GET',
      `/api/v1/qualification_sessions${status ? `?status=${status}` : ''}`,
      {
        key: channel,
      },
    );
    assert.equal(response.statusCode, 200, show(response));
    return json<{ pagination: { total_count: number } }>(response).pagination.total_count;
  }

  it('matches COUNT(*) for every status filter', async () => {
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) => create(`count-${i}`)));
    await Promise.all(Array.from({ length: 5 }, (_, i) => create(`noise-${i}`, other)));
    // A replayed create makes no second session.
    await create('count-0');

    const helper = (id: string, action: string) =>
      t.api('POST', `/api/v1/test_helpers/qualification_session/${id}/${action}`, { key: channel, body: {} });
    // Two racing transitions on some sessions: exactly one wins, the count moves once.
    const results = await Promise.all(
      ids.flatMap((id, i) => {
        if (i % 4 === 0) return [helper(id, 'approve'), helper(id, 'reject')];
        if (i % 4 === 1) return [helper(id, 'submit')];
        if (i % 4 === 2) return [helper(id, 'approve')];
        return [];
      }),
    );
    for (const r of results) assert.ok([200, 409].includes(r.statusCode), show(r));

    for (const status of ['pending', 'processing', 'approved', 'rejected'] as const) {
      assert.equal(await listedTotal(status), await realCount([status]), status);
    }
    assert.equal(await listedTotal('pending,approved'), await realCount(['pending', 'approved']));
    assert.equal(await listedTotal(), await realCount());
    assert.equal(await listedTotal(), 40);
  });
});
