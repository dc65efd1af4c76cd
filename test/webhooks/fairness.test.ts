import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Sender } from '../../src/webhooks/sender.js';
import { json, show, type TestChannel } from '../support/app.js';
import {
  addEndpoint,
  approve,
  createSession,
  Receiver,
  type WebhookTestbed,
  webhookTestbed,
} from './support.js';

// Issue 9 item 6 — one channel cannot starve the others: the dispatcher claims fairly across
// channels and endpoints, a slow endpoint holds at most its share of the send slots (a quarter
// of them; a channel at most half), and a channel has at most 16 enabled endpoints.

async function until(what: string, ms: number, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('fair delivery (issue 9 item 6)', () => {
  let bed: WebhookTestbed;
  const healthy = new Receiver();

  before(async () => {
    bed = await webhookTestbed();
    await healthy.listen();
  });
  after(async () => {
    await healthy.close();
    await bed.close();
  });

  it("a channel whose endpoints hang holds at most its share of the slots; another channel's delivery goes at once", async () => {
    const { t } = bed;
    const slowChannel = await t.channel({ name: 'Slow' });
    const otherChannel = await t.channel({ name: 'Other' });
    // Three endpoints that never answer (until the test ends), ten deliveries queued for each.
    const slowUrls = ['http://127.0.0.1:9/slow-a', 'http://127.0.0.1:9/slow-b', 'http://127.0.0.1:9/slow-c'];
    for (const url of slowUrls) await addEndpoint(t, slowChannel, { url });
    for (let i = 0; i < 10; i++) {
      const id = await createSession(t, slowChannel);
      assert.equal((await approve(t, slowChannel, id)).statusCode, 200);
    }
    await addEndpoint(t, otherChannel, { url: healthy.url });

    const hanging = new Map<string, number>();
    let releaseAll = () => {};
    const released = new Promise<void>((resolve) => {
      releaseAll = resolve;
    });
    const send: Sender = async (request) => {
      if (!slowUrls.includes(request.url)) return bed.http.send(request);
      hanging.set(request.url, (hanging.get(request.url) ?? 0) + 1);
      await released;
      return { statusCode: 500, error: 'timed out', durationMs: 10_000, responseBody: null };
    };
    const dispatcher = bed.dispatcher({ concurrency: 16, send });
    dispatcher.start();
    try {
      await until('the slow channel to fill its share', 10_000, () => sum(hanging) >= 8);
      // Give the loop time to claim more if it would (it must not).
      await new Promise((resolve) => setTimeout(resolve, 200));
      const perEndpoint = [...hanging.values()];
      assert.ok(
        perEndpoint.every((n) => n <= 4),
        `each slow endpoint holds at most 4 of 16 slots: ${JSON.stringify([...hanging])}`,
      );
      assert.equal(sum(hanging), 8, `the slow channel holds 8 of 16 slots: ${JSON.stringify([...hanging])}`);

      // A transition of another channel is delivered while the slow sends still hang.
      const id = await createSession(t, otherChannel);
      const res = await approve(t, otherChannel, id);
      assert.equal(res.statusCode, 200, show(res));
      await until("the other channel's delivery", 10_000, () => healthy.received.length >= 1);
      const envelope = JSON.parse(healthy.received[0]!.body) as {
        data: { qualification_session_id: string };
      };
      assert.equal(envelope.data.qualification_session_id, id, healthy.received[0]!.body);
      assert.equal(sum(hanging), 8, 'the slow sends are still out: the other channel did not wait for them');
    } finally {
      releaseAll();
      await dispatcher.stop();
    }
  });

  it('a channel has at most 16 enabled endpoints: the 17th is a 400 saying so', async () => {
    const { t } = bed;
    const channel: TestChannel = await t.channel({ name: 'Many endpoints' });
    const ids: string[] = [];
    for (let i = 0; i < 16; i++)
      ids.push((await addEndpoint(t, channel, { url: `${healthy.url}/${i}` })).webhook_endpoint_id);
    const refused = await t.api('POST', '/api/v1/webhook_endpoints', {
      key: channel,
      body: { url: `${healthy.url}/17` },
    });
    assert.equal(refused.statusCode, 400, show(refused));
    assert.match(
      json<{ message: string }>(refused).message,
      /at most 16 enabled webhook endpoints and this one has 16; delete one first/,
      show(refused),
    );

    // A disabled endpoint (410 Gone) does not count; enabling it again needs room.
    await t.database.db
      .updateTable('webhook_endpoints')
      .set({ disabled_at: Date.now(), disabled_reason: 'test: 410' })
      .where('id', '=', ids[0]!)
      .execute();
    const replacement = await t.api('POST', '/api/v1/webhook_endpoints', {
      key: channel,
      body: { url: `${healthy.url}/replacement` },
    });
    assert.equal(replacement.statusCode, 200, show(replacement));
    await assert.rejects(t.services.webhookEndpoints.enable(ids[0]!), /at most 16 enabled webhook endpoints/);

    const deleted = await t.api('POST', `/api/v1/webhook_endpoints/${ids[1]}/delete`, { key: channel });
    assert.equal(deleted.statusCode, 200, show(deleted));
    const enabled = await t.services.webhookEndpoints.enable(ids[0]!);
    assert.equal(enabled.disabled_at, null, 'room again once one was deleted');
  });
});

function sum(counts: Map<string, number>): number {
  return [...counts.values()].reduce((a, b) => a + b, 0);
}
