import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { json, show, type TestChannel } from '../support/app.js';
import {
  addEndpoint,
  approve,
  createSession,
  Receiver,
  type WebhookTestbed,
  webhookTestbed,
} from './support.js';

/**
 * Issue 13 item 6 — a webhook URL with non-ASCII characters is accepted, returned as given, and
 * delivered to its percent-encoded form; one the URL parser refuses is a 400.
 */
describe('non-ASCII webhook URLs', () => {
  let bed: WebhookTestbed;
  let channel: TestChannel;
  const receiver = new Receiver();

  before(async () => {
    bed = await webhookTestbed();
    channel = await bed.t.channel();
    await receiver.listen();
  });
  after(async () => {
    await receiver.close();
    await bed.close();
  });

  it('delivers to the percent-encoded URL and lists the URL as given', async () => {
    const { t } = bed;
    const url = `${receiver.url}/été/€?ü=1&emoji=😀`;
    const endpoint = await addEndpoint(t, channel, { url });
    const listed = await t.api('GET', '/api/v1/webhook_endpoints', { key: channel });
    assert.equal(listed.statusCode, 200, show(listed));
    assert.ok(show(listed).includes(JSON.stringify(url).slice(1, -1)), show(listed));

    const id = await createSession(t, channel);
    assert.equal((await approve(t, channel, id)).statusCode, 200);
    const before = receiver.received.length;
    assert.equal(await bed.dispatcher().runOnce(), 1);
    const got = receiver.received[before]!;
    assert.equal(got.url, '/hooks/%C3%A9t%C3%A9/%E2%82%AC?%C3%BC=1&emoji=%F0%9F%98%80');
    const deliveries = await bed.deliveriesOf(endpoint.webhook_endpoint_id);
    assert.ok(
      deliveries.length === 1 && deliveries.every((d) => d.status === 'succeeded'),
      JSON.stringify(deliveries),
    );
  });

  it('refuses a URL the URL parser does not accept', async () => {
    for (const url of ['https://[::1/hook', 'https://xn--a/hook', 'http://127.0.0.1:99999/hook']) {
      const response = await bed.t.api('POST', '/api/v1/webhook_endpoints', { key: channel, body: { url } });
      assert.equal(response.statusCode, 400, `${url}: ${show(response)}`);
      assert.equal(json(response).error, 'ValidationError', show(response));
    }
  });
});
