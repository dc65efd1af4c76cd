import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { show, type TestChannel } from '../support/app.js';
import {
  addEndpoint,
  approve,
  createSession,
  type Received,
  Receiver,
  type WebhookTestbed,
  webhookTestbed,
} from './support.js';

// Issue 14 item 3 — events of one session reach an endpoint in the order they happened: a later
// event waits while an earlier one to the same endpoint is in flight or waiting for a retry, and
// every envelope carries the event's `sequence` within its session (from 1).

interface Envelope {
  event_type: string;
  sequence: number | null;
  data: { qualification_session_id: string };
}

const envelope = (r: Received) => JSON.parse(r.body) as Envelope;
const seen = (r: Received) => {
  const e = envelope(r);
  return `${e.data.qualification_session_id}#${e.sequence} ${e.event_type}`;
};

describe('ordered webhooks (issue 14 item 3)', () => {
  let bed: WebhookTestbed;
  let channel: TestChannel;
  const receiver = new Receiver();
  const events = ['qualification_session.processing', 'qualification_session.complete'];

  before(async () => {
    bed = await webhookTestbed();
    channel = await bed.t.channel();
    await receiver.listen();
  });
  after(async () => {
    await receiver.close();
    await bed.close();
  });

  it('holds a later event while the earlier one is retried, then sends it; other sessions are not held', async () => {
    const { t, clock } = bed;
    const endpoint = await addEndpoint(t, channel, { url: receiver.url, events });
    // The receiver fails the first delivery of session A three times, then accepts everything.
    let failuresLeft = 3;
    receiver.behaviour = (request) => {
      const e = JSON.parse(request.body) as Envelope;
      if (e.data.qualification_session_id === a && e.sequence === 1 && failuresLeft > 0) {
        failuresLeft--;
        return { status: 503, body: 'busy' };
      }
      return { status: 200, body: 'ok' };
    };
    const a = await createSession(t, channel);
    const b = await createSession(t, channel);
    const submitted = await t.api('POST', `/api/v1/test_helpers/qualification_session/${a}/submit`, {
      key: channel,
      body: {},
    });
    assert.equal(submitted.statusCode, 200, show(submitted));
    const dispatcher = bed.dispatcher();
    assert.equal(await dispatcher.runOnce(), 1, 'A#1 (processing) is attempted');
    assert.equal(receiver.received.length, 1);

    // A's completion (A#2) happens while A#1 waits for its retry; B is approved too (B#1, B#2).
    assert.equal((await approve(t, channel, a)).statusCode, 200);
    assert.equal((await approve(t, channel, b)).statusCode, 200);
    assert.equal(await dispatcher.runOnce(), 1, 'only B#1 goes: A#2 waits behind A#1');
    assert.equal(await dispatcher.runOnce(), 1, 'then B#2, after B#1 was delivered');
    assert.equal(await dispatcher.runOnce(), 0, 'A#2 still waits for A#1');
    assert.deepEqual(receiver.received.map(seen), [
      `${a}#1 qualification_session.processing`,
      `${b}#1 qualification_session.processing`,
      `${b}#2 qualification_session.complete`,
    ]);

    // A#1's retries: two more failures, each at its scheduled time; A#2 is never sent meanwhile.
    for (let i = 0; i < 2; i++) {
      const [first] = (await bed.deliveriesOf(endpoint.webhook_endpoint_id)).filter(
        (d) => d.session_id === a && d.sequence === 1,
      );
      assert.equal(first?.status, 'pending', JSON.stringify(first));
      clock.set(first!.next_attempt_at!);
      assert.equal(await dispatcher.runOnce(), 1, `retry ${i + 1} of A#1 only`);
    }
    const [retrying] = (await bed.deliveriesOf(endpoint.webhook_endpoint_id)).filter(
      (d) => d.session_id === a && d.sequence === 1,
    );
    clock.set(retrying!.next_attempt_at!);
    // The running loop: A#1 succeeds, and its recording lets A#2 go at once.
    dispatcher.start();
    await receiver.waitFor(7);
    await dispatcher.stop();

    const toA = receiver.received.filter((r) => envelope(r).data.qualification_session_id === a);
    assert.deepEqual(
      toA.map(seen),
      [
        `${a}#1 qualification_session.processing`,
        `${a}#1 qualification_session.processing`,
        `${a}#1 qualification_session.processing`,
        `${a}#1 qualification_session.processing`,
        `${a}#2 qualification_session.complete`,
      ],
      'A#2 arrived only after A#1 had been accepted',
    );
    const deliveries = await bed.deliveriesOf(endpoint.webhook_endpoint_id);
    assert.deepEqual(
      deliveries.map((d) => d.status),
      ['succeeded', 'succeeded', 'succeeded', 'succeeded'],
      JSON.stringify(deliveries),
    );
  });

  it('a later event waits while the earlier one is in flight', async () => {
    const { t } = bed;
    const slow = new Receiver();
    await slow.listen();
    try {
      const own = await t.channel({ name: 'In flight' });
      await addEndpoint(t, own, { url: slow.url, events });
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      // The send of #1 is held until the test releases it.
      const id = await createSession(t, own);
      assert.equal((await approve(t, own, id)).statusCode, 200);
      const dispatcher = bed.dispatcher({
        send: async (request) => {
          if (request.body.includes('"sequence":1')) await held;
          return bed.http.send(request);
        },
      });
      const first = dispatcher.runOnce();
      // While #1 is in flight, a second claim finds nothing for this session.
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(
        await bed.dispatcher({ instanceId: 'other' }).runOnce(),
        0,
        '#2 waits while #1 is in flight',
      );
      release();
      assert.equal(await first, 1);
      assert.equal(await dispatcher.runOnce(), 1, '#2 goes once #1 is recorded');
      assert.deepEqual(
        slow.received.map((r) => envelope(r).sequence),
        [1, 2],
        slow.received.map(seen).join(', '),
      );
    } finally {
      await slow.close();
    }
  });
});
