import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { transact } from '../../src/db/transaction.js';
import { createTestApp, json, newSession, show, type TestApp, type TestChannel } from '../support/app.js';
import { createSession, submitSurvey } from '../support/shopper.js';

// Issue 9 — `search_text` is derived by the sessions repository on every write: a session written
// by any writer is found by the list `search` filter, by the values it holds now and not by the
// ones it held before.
describe('list search finds a session whatever wrote it (issue 9)', () => {
  let t: TestApp;
  let channel: TestChannel;
  before(async () => {
    t = await createTestApp();
    channel = await t.channel();
  });
  after(() => t.close());

  const found = async (term: string): Promise<string[]> => {
    const response = await t.api('GET', `/api/v1/qualification_sessions?search=${encodeURIComponent(term)}`, {
      key: channel,
    });
    assert.equal(response.statusCode, 200, show(response));
    return json<{ qualification_sessions: Array<{ qualification_session_id: string }> }>(
      response,
    ).qualification_sessions.map((s) => s.qualification_session_id);
  };
  const unique = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;
  const helper = async (id: string, action: string, body: Record<string, unknown> = {}) => {
    const response = await t.api('POST', `/api/v1/test_helpers/qualification_session/${id}/${action}`, {
      key: channel,
      body,
    });
    assert.equal(response.statusCode, 200, show(response));
  };

  it('create: by email, customer name, user id, source and id', async () => {
    const name = unique('Ada');
    const session = await newSession(t, channel, {
      email: `${name}@example.com`,
      customer_name: `${name} Lovelace`,
      user_id: unique('user'),
      source: unique('newsletter'),
    });
    const id = session.qualification_session_id as string;
    for (const term of [
      `${name}@EXAMPLE.com`,
      `${name.toUpperCase()} lovelace`,
      session.user_id as string,
      session.source as string,
      id,
    ])
      assert.deepEqual(await found(term), [id], term);
  });

  it('update: by the user id it set', async () => {
    const id = (await newSession(t, channel)).qualification_session_id as string;
    const userId = unique('crm');
    const response = await t.api('POST', `/api/v1/qualification_session/${id}/update`, {
      key: channel,
      body: { idempotency_key: unique('k'), user_id: userId, metadata: 'kept' },
    });
    assert.equal(response.statusCode, 200, show(response));
    assert.deepEqual(await found(userId), [id]);
  });

  it('the shopper link: by the source it filled (a user id on the link sets nothing, issue 13 item 3)', async () => {
    const session = await createSession(t, channel);
    const source = unique('podcast');
    const userId = unique('link-user');
    const page = await t.app.inject({
      method: 'GET',
      url: `${session.path}&source=${source}&user_id=${userId}&skus=A1,B2`,
    });
    assert.equal(page.statusCode, 200, show(page));
    assert.deepEqual(await found(source), [session.id]);
    assert.deepEqual(await found(userId), []);
  });

  it('the survey: by the email the shopper gave, no longer by the one it replaced', async () => {
    const before = unique('merchant');
    const after = unique('shopper');
    const session = await createSession(t, channel, { email: `${before}@example.com` });
    const response = await submitSurvey(t, session, { email: `${after}@example.com` });
    assert.equal(response.statusCode, 200, show(response));
    assert.deepEqual(await found(after), [session.id]);
    assert.deepEqual(await found(before), []);
  });

  it('the test helpers: by the submitted email, and still after approval and rejection', async () => {
    for (const decision of ['approve', 'reject']) {
      const id = (await newSession(t, channel, { customer_name: unique('Grace') }))
        .qualification_session_id as string;
      const email = `${unique('helper')}@example.com`;
      await helper(id, 'submit', { email, state: 'CA' });
      assert.deepEqual(await found(email), [id], `after submit (${decision})`);
      await helper(id, decision);
      assert.deepEqual(await found(email), [id], `after ${decision}`);
    }
  });

  it('the bulk path (bench seeding): by every searchable field', async () => {
    const id = `qs_${randomUUID()}`;
    const email = `${unique('bulk')}@example.com`;
    const now = Date.now();
    await transact(t.database, (tx) =>
      t.services.repositories.sessions.insertMany(tx.db, tx.engine, [
        {
          id,
          sales_channel_id: channel.channelId,
          livemode: 0,
          status: 'pending',
          created_at: now,
          updated_at: now,
          email,
          customer_name: 'Bulk Person',
          user_id: unique('bulk-user'),
          source: 'bench',
          skus_param: null,
          metadata: null,
          success_url: null,
          failure_url: null,
          order_items: '[]',
          eligible_amount: null,
          expires_at: null,
          lmn_reviewed_at: null,
          rejection_reason: null,
          shopper_state: null,
          submitted_at: null,
          awaiting_shopper_since: null,
          requeued_at: null,
        },
      ]),
    );
    assert.deepEqual(await found(email), [id]);
    assert.ok((await found('bulk person')).includes(id));
  });
});
