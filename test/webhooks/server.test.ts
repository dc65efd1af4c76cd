import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyWebhook } from 'qualify';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import {
  newSecret,
  type ProcessEnvOptions,
  request,
  runCli,
  type ServerProcess,
  showHttp,
  startServerProcess,
} from '../support/server-process.js';
import { Receiver, specVerify } from './support.js';

/** The dispatcher as `qualify serve` runs it, driven by the CLI (SPEC §3, §4.1). */
describe('webhooks in a running server', () => {
  let testDatabase: TestDatabase;
  let options: ProcessEnvOptions;
  let server: ServerProcess | undefined;
  const receiver = new Receiver();

  before(async () => {
    testDatabase = await createTestDatabase();
    options = { databaseUrl: testDatabase.url, secret: newSecret() };
    await receiver.listen();
  });
  after(async () => {
    await server?.stop();
    await receiver.close();
    await testDatabase.drop();
  });

  it('delivers on commit, delivers CLI test events, and survives a restart mid-flight', async () => {
    const channel = await runCli<{ sales_channel_id: string; api_key: string }>(
      ['channel', 'create', '--name', 'Hooks', '--json'],
      options,
    );
    const added = await runCli<Record<string, string>>(
      ['webhook', 'add', '--channel', channel.sales_channel_id, '--url', receiver.url, '--json'],
      options,
    );
    assert.deepEqual(Object.keys(added).sort(), ['mode', 'secret', 'url', 'webhook_endpoint_id']);
    assert.equal(added.mode, 'signed');
    assert.equal(added.url, receiver.url);
    const listed = await runCli<Array<Record<string, unknown>>>(['webhook', 'list', '--json'], options);
    assert.equal(listed.length, 1);
    assert.ok(!JSON.stringify(listed).includes(added.secret!), 'list leaks the secret');

    server = await startServerProcess(options);
    const created = await request(server.url, 'POST', '/api/v1/qualification_session/create', {
      key: channel.api_key,
      body: { idempotency_key: 'one' },
    });
    assert.equal(created.status, 200, showHttp(created));
    const id = JSON.parse(created.text).qualification_session_id as string;
    const approved = await request(
      server.url,
      'POST',
      `/api/v1/test_helpers/qualification_session/${id}/approve`,
      {
        key: channel.api_key,
        body: {},
      },
    );
    assert.equal(approved.status, 200, showHttp(approved));
    await receiver.waitFor(1);
    const first = receiver.received[0]!;
    const signature = first.headers['x-truemed-signature'] as string;
    assert.ok(verifyWebhook(first.body, signature, added.secret!), 'verifyWebhook rejected a real delivery');
    assert.ok(specVerify(first.body, signature, added.secret!));
    assert.equal(JSON.parse(first.body).data.qualification_session_id, id);

    // A test event queued by another process is found by the server's safety poll.
    const queued = await runCli<{ webhook_delivery_id: string; status: string }>(
      ['webhook', 'test', added.webhook_endpoint_id!, '--json'],
      options,
    );
    assert.equal(queued.status, 'queued');
    await receiver.waitFor(2);
    assert.equal(JSON.parse(receiver.received[1]!.body).webhook_delivery_id, queued.webhook_delivery_id);
    assert.equal(JSON.parse(receiver.received[1]!.body).event_type, 'webhook_endpoint.test');

    // Shutdown while the receiver holds a request: the delivery is released, and the next start sends it.
    receiver.behaviour = () => 'hang';
    const second = await request(server.url, 'POST', '/api/v1/qualification_session/create', {
      key: channel.api_key,
      body: { idempotency_key: 'two' },
    });
    const secondId = JSON.parse(second.text).qualification_session_id as string;
    await request(server.url, 'POST', `/api/v1/test_helpers/qualification_session/${secondId}/reject`, {
      key: channel.api_key,
      body: {},
    });
    await receiver.waitFor(3);
    await server.stop();
    server = undefined;
    const interrupted = await runCli<
      Array<{ webhook_delivery_id: string; status: string; qualification_session_id: string }>
    >(['webhook', 'deliveries', '--session', secondId, '--json'], options);
    assert.equal(interrupted.length, 1);
    assert.equal(interrupted[0]!.status, 'pending', JSON.stringify(interrupted));

    receiver.behaviour = () => ({ status: 200 });
    server = await startServerProcess(options);
    await receiver.waitFor(4);
    const redelivered = JSON.parse(receiver.received[3]!.body);
    assert.equal(redelivered.webhook_delivery_id, interrupted[0]!.webhook_delivery_id);
    assert.equal(redelivered.data.qualification_session_id, secondId);
    assert.equal(redelivered.data.status, 'rejected');

    const all = await runCli<Array<{ status: string }>>(['webhook', 'deliveries', '--json'], options);
    assert.equal(all.length, 3);
  });
});
