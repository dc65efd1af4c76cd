import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { DAY_MS } from '../../src/lib/clock.js';
import { json, show, type TestChannel } from '../support/app.js';
import {
  addEndpoint,
  approve,
  createSession,
  Receiver,
  reject,
  type WebhookTestbed,
  webhookTestbed,
} from '../webhooks/support.js';

// Issue 12 item 6 — the APIs under the dashboard: a session's events, an endpoint's deliveries,
// redelivery and the statistics; every one scoped to the key's channel (another channel's → 404).

interface Paged {
  pagination: {
    current_page: number;
    page_size: number;
    total_count: number;
    count: number;
    last_page: number;
  };
}

describe('dashboard APIs (issue 12 item 6)', () => {
  let bed: WebhookTestbed;
  let channel: TestChannel;
  let other: TestChannel;
  const receiver = new Receiver();

  before(async () => {
    bed = await webhookTestbed();
    channel = await bed.t.channel();
    other = await bed.t.channel();
    await receiver.listen();
  });
  after(async () => {
    await receiver.close();
    await bed.close();
  });

  it('GET /qualification_session/{id}/events lists its events, paged; another channel’s session is 404', async () => {
    const { t } = bed;
    const id = await createSession(t, channel, { email: 'events@example.com' });
    const submitted = await t.api('POST', `/api/v1/test_helpers/qualification_session/${id}/submit`, {
      key: channel,
      body: {},
    });
    assert.equal(submitted.statusCode, 200, show(submitted));
    bed.clock.advance(1000);
    const approved = await approve(t, channel, id);
    assert.equal(approved.statusCode, 200, show(approved));

    const all = await t.api('GET', `/api/v1/qualification_session/${id}/events`, { key: channel });
    assert.equal(all.statusCode, 200, show(all));
    const body = json<Paged & { events: Array<Record<string, unknown>> }>(all);
    assert.deepEqual(
      body.events.map((e) => e.type),
      ['qualification_session.processing', 'qualification_session.complete'],
      show(all),
    );
    assert.deepEqual(body.pagination, {
      current_page: 1,
      page_size: 30,
      total_count: 2,
      count: 2,
      last_page: 1,
    });
    const data = body.events[1]!.data as Record<string, unknown>;
    assert.equal(data.status, 'approved', show(all));
    assert.equal(data.qualification_session_id, id);

    const second = await t.api('GET', `/api/v1/qualification_session/${id}/events?page=2&page_size=1`, {
      key: channel,
    });
    assert.equal(second.statusCode, 200, show(second));
    const page2 = json<Paged & { events: Array<Record<string, unknown>> }>(second);
    assert.deepEqual(
      page2.events.map((e) => e.type),
      ['qualification_session.complete'],
      show(second),
    );
    assert.deepEqual(page2.pagination, {
      current_page: 2,
      page_size: 1,
      total_count: 2,
      count: 2,
      last_page: 2,
    });

    const cross = await t.api('GET', `/api/v1/qualification_session/${id}/events`, { key: other });
    assert.equal(cross.statusCode, 404, show(cross));
    const unknown = await t.api('GET', '/api/v1/qualification_session/qs_nope/events', { key: channel });
    assert.equal(unknown.statusCode, 404, show(unknown));
    const bad = await t.api('GET', `/api/v1/qualification_session/${id}/events?page_size=0`, {
      key: channel,
    });
    assert.equal(bad.statusCode, 400, show(bad));
  });

  it('GET /webhook_endpoints/{id}/deliveries lists deliveries with attempts and filters; redelivery adds an attempt; cross-channel 404', async () => {
    const { t } = bed;
    receiver.behaviour = (_request, index) =>
      index === 0 ? { status: 500, body: 'boom' } : { status: 200, body: 'ok' };
    const before = receiver.received.length;
    const endpoint = await addEndpoint(t, channel, { url: receiver.url });
    const first = await createSession(t, channel);
    assert.equal((await approve(t, channel, first)).statusCode, 200);
    const second = await createSession(t, channel);
    assert.equal((await reject(t, channel, second)).statusCode, 200);
    const dispatcher = bed.dispatcher();
    assert.equal(await dispatcher.runOnce(), 2);
    assert.equal(receiver.received.length - before, 2);

    const url = `/api/v1/webhook_endpoints/${endpoint.webhook_endpoint_id}/deliveries`;
    const res = await t.api('GET', url, { key: channel });
    assert.equal(res.statusCode, 200, show(res));
    const body = json<Paged & { webhook_deliveries: Array<Record<string, unknown>> }>(res);
    assert.equal(body.pagination.total_count, 2, show(res));
    assert.equal(body.webhook_deliveries.length, 2, show(res));
    for (const delivery of body.webhook_deliveries) {
      const attempts = delivery.attempts as Array<Record<string, unknown>>;
      assert.equal(attempts.length, 1, show(res));
      assert.equal(attempts[0]!.attempt_number, 1);
      assert.ok([200, 500].includes(attempts[0]!.status_code as number), show(res));
    }

    const failedOnes = await t.api('GET', `${url}?status=pending`, { key: channel });
    assert.equal(failedOnes.statusCode, 200, show(failedOnes));
    const pending = json<{ webhook_deliveries: Array<Record<string, unknown>> }>(
      failedOnes,
    ).webhook_deliveries;
    assert.equal(pending.length, 1, `the 500 waits for a retry: ${show(failedOnes)}`);
    const succeeded = await t.api(
      'GET',
      `${url}?status=succeeded&event_type=qualification_session.complete`,
      {
        key: channel,
      },
    );
    assert.equal(json<Paged>(succeeded).pagination.total_count, 1, show(succeeded));
    const future = new Date(bed.clock.now() + DAY_MS).toISOString();
    const none = await t.api('GET', `${url}?created_from=${encodeURIComponent(future)}`, { key: channel });
    assert.equal(json<Paged>(none).pagination.total_count, 0, show(none));
    const paged = await t.api('GET', `${url}?page_size=1&page=2`, { key: channel });
    assert.deepEqual(json<Paged>(paged).pagination, {
      current_page: 2,
      page_size: 1,
      total_count: 2,
      count: 2,
      last_page: 2,
    });

    // Redeliver the failed one: a second attempt appears in the log.
    const deliveryId = pending[0]!.webhook_delivery_id as string;
    const crossRedeliver = await t.api('POST', `/api/v1/webhook_deliveries/${deliveryId}/redeliver`, {
      key: other,
    });
    assert.equal(crossRedeliver.statusCode, 404, show(crossRedeliver));
    const redeliver = await t.api('POST', `/api/v1/webhook_deliveries/${deliveryId}/redeliver`, {
      key: channel,
    });
    assert.equal(redeliver.statusCode, 200, show(redeliver));
    assert.equal(await dispatcher.runOnce(), 1);
    const after = json<{ webhook_deliveries: Array<Record<string, unknown>> }>(
      await t.api('GET', url, { key: channel }),
    ).webhook_deliveries.find((d) => d.webhook_delivery_id === deliveryId)!;
    assert.equal(after.status, 'succeeded', JSON.stringify(after));
    assert.deepEqual(
      (after.attempts as Array<Record<string, unknown>>).map((a) => a.status_code),
      [500, 200],
      JSON.stringify(after),
    );

    const cross = await t.api('GET', url, { key: other });
    assert.equal(cross.statusCode, 404, show(cross));
    const unknown = await t.api('GET', '/api/v1/webhook_endpoints/we_nope/deliveries', { key: channel });
    assert.equal(unknown.statusCode, 404, show(unknown));
    const badStatus = await t.api('GET', `${url}?status=maybe`, { key: channel });
    assert.equal(badStatus.statusCode, 400, show(badStatus));
  });

  it('GET /stats matches counts made directly in the database, per day and in total, for the key’s channel only', async () => {
    const { t } = bed;
    const ch = await t.channel();
    const day0 = Date.UTC(2026, 2, 1, 10, 0, 0);
    bed.clock.set(day0);
    const a = await createSession(t, ch);
    const b = await createSession(t, ch);
    await createSession(t, ch);
    bed.clock.advance(2 * 3_600_000); // decisions two hours after creation
    assert.equal((await approve(t, ch, a)).statusCode, 200);
    assert.equal((await reject(t, ch, b)).statusCode, 200);
    bed.clock.set(day0 + DAY_MS);
    const c = await createSession(t, ch);
    bed.clock.advance(30_000);
    assert.equal((await approve(t, ch, c)).statusCode, 200);
    // Another channel's sessions on the same days count for it only.
    await createSession(t, other);

    const res = await t.api('GET', '/api/v1/stats?from=2026-03-01&to=2026-03-03', { key: ch });
    assert.equal(res.statusCode, 200, show(res));
    const stats = json<{
      days: Array<{
        date: string;
        sessions: Record<string, number>;
        approval_rate: number | null;
        decisions: number;
        decision_seconds_p50: number | null;
      }>;
      totals: { sessions: Record<string, number>; approval_rate: number | null; decisions: number };
    }>(res);
    assert.deepEqual(
      stats.days.map((d) => d.date),
      ['2026-03-01', '2026-03-02', '2026-03-03'],
    );

    // The same counts, straight from the sessions table.
    const direct = await sql<{ day: number | string; status: string; n: number | string }>`
      SELECT created_at / 86400000 AS day, status, COUNT(*) AS n FROM qualification_sessions
      WHERE sales_channel_id = ${ch.channelId} GROUP BY created_at / 86400000, status`.execute(t.database.db);
    for (const day of stats.days) {
      const dayNumber = Date.parse(`${day.date}T00:00:00Z`) / DAY_MS;
      for (const status of ['pending', 'processing', 'approved', 'rejected']) {
        const expected = direct.rows
          .filter((r) => Number(r.day) === dayNumber && r.status === status)
          .reduce((sum, r) => sum + Number(r.n), 0);
        assert.equal(day.sessions[status], expected, `${day.date} ${status}: ${show(res)}`);
      }
    }
    assert.deepEqual(stats.days[0]!.sessions, {
      pending: 1,
      processing: 0,
      approved: 1,
      rejected: 1,
      total: 3,
    });
    assert.equal(stats.days[0]!.approval_rate, 0.5);
    assert.equal(stats.days[0]!.decisions, 2);
    assert.equal(stats.days[0]!.decision_seconds_p50, 7200, 'two hours is in the ≤ 2 h bucket');
    assert.equal(stats.days[1]!.decision_seconds_p50, 60, '30 s is in the ≤ 1 min bucket');
    assert.equal(stats.totals.sessions.total, 4);
    assert.equal(stats.totals.decisions, 3);

    const bad = await t.api('GET', '/api/v1/stats?from=2026-03-05&to=2026-03-01', { key: ch });
    assert.equal(bad.statusCode, 400, show(bad));
    const tooLong = await t.api('GET', '/api/v1/stats?from=2024-01-01&to=2026-03-01', { key: ch });
    assert.equal(tooLong.statusCode, 400, show(tooLong));
    const notADate = await t.api('GET', '/api/v1/stats?from=2026-02-30', { key: ch });
    assert.equal(notADate.statusCode, 400, show(notADate));
    const unauthenticated = await t.api('GET', '/api/v1/stats');
    assert.equal(unauthenticated.statusCode, 401, show(unauthenticated));
  });
});
