import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { type Database, openDatabase } from '../../src/db/database.js';
import { TEST_ENGINE } from '../support/database.js';
import {
  type Cluster,
  request,
  runCli,
  type ServerProcess,
  showHttp,
  startCluster,
} from '../support/server-process.js';

// SPEC §3.4, §4.3 — every instance runs a dispatcher over the one outbox; a delivery attempt is
// made by one instance only (FOR UPDATE SKIP LOCKED leases on PostgreSQL; the single writer on
// SQLite), and a killed instance's leases are taken over once they expire.

interface Received {
  deliveryId: string;
  sessionId: string;
  /** Answered 200 on a connection that was still open: the sender saw a success. */
  acknowledged: boolean;
}

/** A loopback webhook receiver that counts deliveries, and can hold requests unanswered. */
async function startReceiver() {
  const received: Received[] = [];
  const held: Array<{ entry: Received; req: IncomingMessage; res: ServerResponse }> = [];
  let holding = false;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const envelope = JSON.parse(body) as {
        webhook_delivery_id: string;
        data: { qualification_session_id: string };
      };
      const entry = {
        deliveryId: envelope.webhook_delivery_id,
        sessionId: envelope.data.qualification_session_id,
        acknowledged: false,
      };
      received.push(entry);
      if (holding) held.push({ entry, req, res });
      else acknowledge(entry, req, res);
    });
  });
  const acknowledge = (entry: Received, req: IncomingMessage, res: ServerResponse) => {
    if (req.socket.destroyed) return;
    entry.acknowledged = true;
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
  };
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    hold: () => {
      holding = true;
    },
    /** The requests held so far, and whether their connection is still open. */
    held: () => held.map(({ entry, req }) => ({ entry, open: !req.socket.destroyed })),
    /** Answers whatever is held (on connections still open) and every later request. */
    release: () => {
      holding = false;
      for (const { entry, req, res } of held.splice(0)) acknowledge(entry, req, res);
    },
    acknowledgedBySession: () => {
      const counts = new Map<string, number>();
      for (const r of received)
        if (r.acknowledged) counts.set(r.sessionId, (counts.get(r.sessionId) ?? 0) + 1);
      return counts;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function waitFor(what: string, deadlineMs: number, check: () => boolean | Promise<boolean>) {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The dispatcher id an instance logged at start; leases and attempts are recorded under it. */
function instanceId(server: ServerProcess): string {
  const line = server.logs().find((l) => l.msg === 'webhook dispatcher started');
  assert.equal(typeof line?.instance, 'string', server.stdout());
  return line?.instance as string;
}

async function setUp(cluster: Cluster, receiverUrl: string) {
  await runCli(
    ['webhook', 'add', '--channel', cluster.channel.sales_channel_id, '--url', receiverUrl, '--json'],
    {
      databaseUrl: cluster.databaseUrl,
      secret: cluster.secret,
    },
  );
  return openDatabase(cluster.databaseUrl);
}

async function approveSessions(cluster: Cluster, count: number, instanceFor: (i: number) => number) {
  const key = cluster.channel.api_key;
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const url = cluster.instances[instanceFor(i)]!.url;
      const created = await request(url, 'POST', '/api/v1/qualification_session/create', {
        key,
        body: { idempotency_key: `wh-${i}` },
      });
      assert.equal(created.status, 200, showHttp(created));
      const id = JSON.parse(created.text).qualification_session_id as string;
      const approved = await request(
        url,
        'POST',
        `/api/v1/test_helpers/qualification_session/${id}/approve`,
        {
          key,
          body: {},
        },
      );
      assert.equal(approved.status, 200, showHttp(approved));
      return id;
    }),
  );
}

function deliveriesOf(database: Database, sessionIds: string[]) {
  return database.db
    .selectFrom('webhook_deliveries')
    .select(['id', 'session_id', 'status', 'lease_owner', 'lease_expires_at'])
    .where('session_id', 'in', sessionIds)
    .execute();
}

function attemptsOf(database: Database, deliveryIds: string[]) {
  return database.db
    .selectFrom('webhook_attempts')
    .select(['webhook_delivery_id', 'instance_id', 'attempted_at', 'status_code'])
    .where('webhook_delivery_id', 'in', deliveryIds)
    .execute();
}

describe(`webhooks from two instances on one ${TEST_ENGINE} database`, () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  test('40 completions approved across both instances are delivered exactly once each', async () => {
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    const cluster = await startCluster(2);
    cleanups.push(cluster.close);
    const database = await setUp(cluster, receiver.url);
    cleanups.push(() => database.close());

    const sessions = await approveSessions(cluster, 40, (i) => i % 2);
    await waitFor('40 succeeded deliveries', 90_000, async () => {
      const rows = await deliveriesOf(database, sessions);
      return rows.length === 40 && rows.every((row) => row.status === 'succeeded');
    });

    const acknowledged = receiver.acknowledgedBySession();
    for (const id of sessions)
      assert.equal(acknowledged.get(id), 1, `session ${id} acknowledged ${acknowledged.get(id)} times`);
    assert.equal(receiver.received.length, 40, JSON.stringify(receiver.received));
    assert.equal(new Set(receiver.received.map((r) => r.deliveryId)).size, 40);
    const deliveries = await deliveriesOf(database, sessions);
    const attempts = await attemptsOf(
      database,
      deliveries.map((d) => d.id),
    );
    // One attempt per delivery: no two instances ever sent the same one.
    assert.equal(attempts.length, 40, JSON.stringify(attempts));
    assert.ok(attempts.every((a) => a.status_code === 200));
  });

  test("a killed instance's leased deliveries are sent by the other instance once the lease expires", async () => {
    const LEASE_MS = 4_000;
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    const cluster = await startCluster(2, { QUALIFY_WEBHOOK_LEASE_MS: String(LEASE_MS) });
    cleanups.push(cluster.close);
    const database = await setUp(cluster, receiver.url);
    cleanups.push(() => database.close());

    const [first, second] = cluster.instances as [ServerProcess, ServerProcess];

    // Instance A commits the approvals; both dispatchers are woken (A by its own commits, B by
    // A's NOTIFY on PostgreSQL) and claim them. Every send hangs on the receiver.
    receiver.hold();
    const sessions = await approveSessions(cluster, 4, () => 0);
    await waitFor(
      '4 held requests',
      30_000,
      () => new Set(receiver.received.map((r) => r.sessionId)).size === 4,
    );
    const leased = await deliveriesOf(database, sessions);
    assert.equal(leased.length, 4);
    // QUALIFY_WEBHOOK_LEASE_MS sets the lease: claimed a moment ago, so it ends within LEASE_MS.
    const readAt = Date.now();
    for (const d of leased) assert.ok(d.lease_expires_at! <= readAt + LEASE_MS, JSON.stringify(d));
    assert.ok(
      leased.every((d) => d.status === 'delivering'),
      JSON.stringify(leased),
    );
    const ownerOf = new Map(leased.map((d) => [d.id, d.lease_owner?.split(':')[0]]));
    // The instance to kill: one that holds a lease (usually A, whose commits woke it first).
    const [a, b] = ownerOf.get(leased[0]!.id) === instanceId(first) ? [first, second] : [second, first];
    const killed = instanceId(a);
    const survivor = instanceId(b);
    assert.ok(
      [...ownerOf.values()].every((owner) => owner === killed || owner === survivor),
      JSON.stringify({ killed, survivor, leased }),
    );
    const takenOver = leased.filter((d) => ownerOf.get(d.id) === killed);
    assert.ok(
      takenOver.length > 0,
      `the killed instance holds at least one lease: ${JSON.stringify(leased)}`,
    );

    await a.kill();
    // The dead instance's connections close (its sends never complete); then answer everything:
    // B's own held sends succeed now, A's deliveries wait for their leases to expire.
    await waitFor("the killed instance's connections to close", 10_000, () =>
      receiver.held().every(({ entry, open }) => ownerOf.get(entry.deliveryId) !== killed || !open),
    );
    receiver.release();
    await waitFor('every delivery succeeded after the takeover', 60_000, async () =>
      (await deliveriesOf(database, sessions)).every((row) => row.status === 'succeeded'),
    );

    const acknowledged = receiver.acknowledgedBySession();
    for (const id of sessions)
      assert.equal(acknowledged.get(id), 1, `session ${id} acknowledged ${acknowledged.get(id)} times`);
    const attempts = await attemptsOf(
      database,
      leased.map((d) => d.id),
    );
    // The killed instance recorded nothing; the survivor made one attempt per delivery, and for
    // the deliveries A had leased, only once the lease had run out.
    assert.equal(attempts.length, 4, JSON.stringify(attempts));
    for (const attempt of attempts) {
      assert.equal(attempt.instance_id, survivor, JSON.stringify(attempt));
      const lease = takenOver.find((d) => d.id === attempt.webhook_delivery_id);
      if (lease)
        assert.ok(attempt.attempted_at >= lease.lease_expires_at!, JSON.stringify({ attempt, lease }));
    }
    // SPEC §3.3 — the retry carries the same webhook_delivery_id as the attempt that hung.
    for (const id of sessions) {
      const ids = new Set(receiver.received.filter((r) => r.sessionId === id).map((r) => r.deliveryId));
      assert.equal(ids.size, 1, `session ${id}: ${[...ids].join(', ')}`);
    }
  });
});
