import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Database, openDatabase } from '../../src/db/database.js';
import { TEST_ENGINE } from '../support/database.js';
import { type Cluster, type HttpResult, request, showHttp, startCluster } from '../support/server-process.js';

// SPEC §4.3 — several instances on one database are correct together: idempotency holds across
// instances (§1.8) and each transition happens once (§2.1). Two real `qualify serve` processes
// share one database; requests alternate between them and are sent all at once.
// On PostgreSQL this is the production set-up; on SQLite it is two processes on one file (the
// write lock, BEGIN IMMEDIATE and busy_timeout serialise them), which must be just as correct.
describe(`two instances on one ${TEST_ENGINE} database`, () => {
  let cluster: Cluster;
  let database: Database;
  let key: string;

  before(async () => {
    cluster = await startCluster(2);
    key = cluster.channel.api_key;
    database = openDatabase(cluster.databaseUrl);
  });

  after(async () => {
    await database?.close();
    await cluster?.close();
  });

  /** The instance for the i-th request: alternating, so every race spans both processes. */
  const instance = (i: number) => cluster.instances[i % cluster.instances.length]!.url;

  const createSession = async (body: Record<string, unknown> = {}) => {
    const created = await request(instance(0), 'POST', '/api/v1/qualification_session/create', {
      key,
      body: { idempotency_key: `setup-${Math.random()}`, ...body },
    });
    assert.equal(created.status, 200, showHttp(created));
    return JSON.parse(created.text).qualification_session_id as string;
  };

  const replayed = (results: HttpResult[]) =>
    results.filter((r) => r.headers.get('idempotent-replayed') === 'true');

  test('20 identical updates split across both instances: one body, one effect', async () => {
    const id = await createSession();
    const body = { idempotency_key: 'same-update', user_id: 'shopper-1', metadata: '{"order":"A-1"}' };
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request(instance(i), 'POST', `/api/v1/qualification_session/${id}/update`, { key, body }),
      ),
    );
    for (const result of results) assert.equal(result.status, 200, showHttp(result));
    assert.deepEqual(new Set(results.map((r) => r.text)).size, 1, results.map(showHttp).join('\n'));
    assert.deepEqual(JSON.parse(results[0]!.text), { qualification_session_id: id, status: 'pending' });
    // One request did the work; the other 19 replayed its stored response.
    assert.equal(
      replayed(results).length,
      19,
      results.map((r) => r.headers.get('idempotent-replayed')).join(),
    );

    const session = await request(instance(1), 'GET', `/api/v1/qualification_session/${id}`, { key });
    assert.equal(session.status, 200, showHttp(session));
    assert.equal(JSON.parse(session.text).user_id, 'shopper-1', showHttp(session));
    assert.equal(JSON.parse(session.text).metadata, '{"order":"A-1"}', showHttp(session));
  });

  test('10 racing user_id sets with different keys: exactly one 200, nine 409 user_id_already_set', async () => {
    const id = await createSession();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        request(instance(i), 'POST', `/api/v1/qualification_session/${id}/update`, {
          key,
          body: { idempotency_key: `set-user-${i}`, user_id: `user-${i}` },
        }),
      ),
    );
    const winners = results.flatMap((r, i) => (r.status === 200 ? [i] : []));
    assert.equal(winners.length, 1, results.map(showHttp).join('\n'));
    const losers = results.filter((r) => r.status !== 200);
    assert.equal(losers.length, 9);
    for (const loser of losers) {
      assert.equal(loser.status, 409, showHttp(loser));
      assert.equal(JSON.parse(loser.text).error, 'user_id_already_set', showHttp(loser));
    }
    const session = await request(instance(0), 'GET', `/api/v1/qualification_session/${id}`, { key });
    assert.equal(JSON.parse(session.text).user_id, `user-${winners[0]}`, showHttp(session));
  });

  test('10 parallel creates with one idempotency key across both instances make one session', async () => {
    const body = { idempotency_key: 'one-create', user_id: 'create-race', email: 'race@example.com' };
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        request(instance(i), 'POST', '/api/v1/qualification_session/create', { key, body }),
      ),
    );
    for (const result of results) assert.equal(result.status, 200, showHttp(result));
    assert.equal(new Set(results.map((r) => r.text)).size, 1, results.map(showHttp).join('\n'));
    assert.equal(replayed(results).length, 9);

    const list = await request(instance(1), 'GET', '/api/v1/qualification_sessions?user_id=create-race', {
      key,
    });
    assert.equal(list.status, 200, showHttp(list));
    const listed = JSON.parse(list.text);
    assert.equal(listed.pagination.total_count, 1, showHttp(list));
    assert.equal(
      listed.qualification_sessions[0].qualification_session_id,
      JSON.parse(results[0]!.text).qualification_session_id,
    );
  });

  test('approve on one instance and reject on the other at once: one winner per session', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => createSession()));
    const outcomes = await Promise.all(
      ids.map(async (id, n) => {
        // Alternate which instance approves, so each instance wins and loses some races.
        const [approve, reject] = await Promise.all([
          request(instance(n), 'POST', `/api/v1/test_helpers/qualification_session/${id}/approve`, {
            key,
            body: {},
          }),
          request(instance(n + 1), 'POST', `/api/v1/test_helpers/qualification_session/${id}/reject`, {
            key,
            body: { reason: 'clinician_declined' },
          }),
        ]);
        return { id, approve, reject };
      }),
    );
    for (const { id, approve, reject } of outcomes) {
      const shown = `${id}\napprove: ${showHttp(approve)}\nreject: ${showHttp(reject)}`;
      const statuses = [approve.status, reject.status].sort();
      assert.deepEqual(statuses, [200, 409], shown);
      const [winner, loser] = approve.status === 200 ? [approve, reject] : [reject, approve];
      assert.equal(JSON.parse(loser.text).error, 'InvalidStatusTransition', shown);
      const expected = approve.status === 200 ? 'approved' : 'rejected';
      assert.equal(JSON.parse(winner.text).status, expected, shown);

      const session = await request(instance(0), 'GET', `/api/v1/qualification_session/${id}`, { key });
      assert.equal(JSON.parse(session.text).status, expected, showHttp(session));
      // SPEC §3.2 — exactly one completion event per session, whoever won.
      const events = await database.db
        .selectFrom('events')
        .select('type')
        .where('session_id', '=', id)
        .where('type', '=', 'qualification_session.complete')
        .execute();
      assert.equal(events.length, 1, shown);
    }
  });
});
