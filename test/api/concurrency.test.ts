import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { createTestApp, json, newSession, show, type TestApp, type TestChannel } from '../support/app.js';
import { TEST_ENGINE } from '../support/database.js';

/**
 * SPEC §1.8 — the key check, the change and the stored response commit in one transaction, so
 * concurrent requests produce exactly one effect. Requests go through `inject` in parallel; on
 * PostgreSQL they run on separate pooled connections and really contend.
 */
describe('concurrency (SPEC §1.7, §1.8)', () => {
  let t: TestApp;
  let ch: TestChannel;
  before(async () => {
    t = await createTestApp();
    ch = await t.channel();
  });
  after(() => t.close());

  const createSession = async (key: string) =>
    (await newSession(t, ch, { idempotency_key: key })).qualification_session_id as string;
  async function countKeys(scope: string): Promise<number> {
    const row = await t.database.db
      .selectFrom('idempotency_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('scope', '=', scope)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
  async function countSessions(channelId: string): Promise<number> {
    const row = await t.database.db
      .selectFrom('qualification_sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('sales_channel_id', '=', channelId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it('20 parallel identical updates: 20 identical 200s, one of them original, one effect', async () => {
    const id = await createSession('c-20');
    const body = { idempotency_key: 'same-update', user_id: 'u-20', metadata: '{"n":20}' };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.api('POST', `/api/v1/qualification_session/${id}/update`, { key: ch, body }),
      ),
    );
    for (const res of responses) {
      assert.equal(res.statusCode, 200, show(res));
      assert.equal(res.body, JSON.stringify({ qualification_session_id: id, status: 'pending' }));
    }
    const originals = responses.filter((r) => r.headers['idempotent-replayed'] === undefined);
    assert.equal(originals.length, 1, 'exactly one request did the work; the others replayed it');
    assert.equal(await countKeys(`update:${id}`), 1);
    const s = json(await t.api('GET', `/api/v1/qualification_session/${id}`, { key: ch }));
    assert.equal(s.user_id, 'u-20');
    assert.equal(s.metadata, '{"n":20}');
  });

  it('10 racing user_id sets with different keys: exactly one 200 and nine 409s', async () => {
    const id = await createSession('c-race');
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.api('POST', `/api/v1/qualification_session/${id}/update`, {
          key: ch,
          body: { idempotency_key: `race-${i}`, user_id: `user-${i}` },
        }),
      ),
    );
    const ok = responses.filter((r) => r.statusCode === 200);
    const conflicts = responses.filter((r) => r.statusCode === 409);
    assert.equal(ok.length, 1, responses.map(show).join('\n'));
    assert.equal(conflicts.length, 9, responses.map(show).join('\n'));
    for (const res of conflicts) assert.equal(json(res).error, 'user_id_already_set');
    const winner = responses.indexOf(ok[0]!);
    const s = json(await t.api('GET', `/api/v1/qualification_session/${id}`, { key: ch }));
    assert.equal(s.user_id, `user-${winner}`, 'the stored user_id is the one that got the 200');
    // Every answer, the 409s included, is recorded against its key.
    assert.equal(await countKeys(`update:${id}`), 10);
  });

  it('10 parallel creates with one key make one session and 10 identical answers', async () => {
    const own = await t.channel();
    const body = {
      idempotency_key: 'one-key',
      email: 'p@example.com',
      order_items: [{ sku: 'A', price: 1 }],
    };
    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.api('POST', '/api/v1/qualification_session/create', { key: own, body }),
      ),
    );
    for (const res of responses) {
      assert.equal(res.statusCode, 200, show(res));
      assert.equal(res.body, responses[0]!.body);
    }
    assert.equal(responses.filter((r) => r.headers['idempotent-replayed'] === undefined).length, 1);
    assert.equal(await countSessions(own.channelId), 1);
  });

  it('10 parallel creates with distinct keys make 10 sessions', async () => {
    const own = await t.channel();
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.api('POST', '/api/v1/qualification_session/create', {
          key: own,
          body: { idempotency_key: `k-${i}` },
        }),
      ),
    );
    for (const res of responses) assert.equal(res.statusCode, 200, show(res));
    assert.equal(new Set(responses.map((r) => json(r).qualification_session_id)).size, 10);
    assert.equal(await countSessions(own.channelId), 10);
  });

  // A request that waits 10 s for another one gives up with 409 (SPEC §1.8). On PostgreSQL the
  // other one holds the key row; on SQLite (one connection per process, so requests of one
  // process queue) another process holds the write lock.
  if (TEST_ENGINE === 'postgres') {
    it('a key still held by an unfinished request after 10 s → 409 IdempotencyKeyInUse, then usable', async () => {
      const own = await t.channel();
      const holder = new pg.Client({ connectionString: t.testDatabase.url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(
          "INSERT INTO idempotency_keys (scope, key, fingerprint, status_code, response_body, created_at) VALUES ($1, 'busy', 'f', 0, '', 0)",
          [`create:${own.channelId}`],
        );
        const res = await t.api('POST', '/api/v1/qualification_session/create', {
          key: own,
          body: { idempotency_key: 'busy' },
        });
        assert.equal(res.statusCode, 409, show(res));
        assert.equal(json(res).error, 'IdempotencyKeyInUse');
        assert.equal(await countSessions(own.channelId), 0);
      } finally {
        await holder.query('ROLLBACK');
        await holder.end();
      }
      const after = await t.api('POST', '/api/v1/qualification_session/create', {
        key: own,
        body: { idempotency_key: 'busy' },
      });
      assert.equal(after.statusCode, 200, show(after));
    });
  } else {
    it('the write lock held by another process for over 10 s → 409 IdempotencyKeyInUse, then usable', async () => {
      const own = await t.channel();
      // A second connection stands for another process on the same file (SPEC §4.3).
      const holder = new SQLite(t.testDatabase.file!);
      try {
        holder.exec('BEGIN IMMEDIATE');
        const res = await t.api('POST', '/api/v1/qualification_session/create', {
          key: own,
          body: { idempotency_key: 'busy' },
        });
        assert.equal(res.statusCode, 409, show(res));
        assert.equal(json(res).error, 'IdempotencyKeyInUse', show(res));
      } finally {
        holder.exec('ROLLBACK');
        holder.close();
      }
      assert.equal(await countSessions(own.channelId), 0);
      const after = await t.api('POST', '/api/v1/qualification_session/create', {
        key: own,
        body: { idempotency_key: 'busy' },
      });
      assert.equal(after.statusCode, 200, show(after));
    });
  }

  it('racing approve and reject: one wins, the rest get 409, one complete event', async () => {
    const id = await createSession('c-terminal');
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        t.api('POST', `/api/v1/test_helpers/qualification_session/${id}/${i % 2 ? 'approve' : 'reject'}`, {
          key: ch,
          body: {},
        }),
      ),
    );
    const ok = responses.filter((r) => r.statusCode === 200);
    assert.equal(ok.length, 1, responses.map(show).join('\n'));
    for (const res of responses.filter((r) => r.statusCode !== 200)) {
      assert.equal(res.statusCode, 409, show(res));
      assert.equal(json(res).error, 'InvalidStatusTransition');
    }
    const events = await t.database.db
      .selectFrom('events')
      .select(['type'])
      .where('session_id', '=', id)
      .execute();
    assert.deepEqual(events.map((e) => e.type).sort(), [
      'qualification_session.complete',
      'qualification_session.processing',
    ]);
    const s = json(await t.api('GET', `/api/v1/qualification_session/${id}`, { key: ch }));
    assert.equal(s.status, json(ok[0]!).status);
  });
});
