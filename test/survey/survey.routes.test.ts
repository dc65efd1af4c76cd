import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sessionLinkToken } from '../../src/lib/tokens.js';
import { createTestApp, json, show, type TestApp, type TestChannel } from '../support/app.js';
import { createSession, postForm, submitSurvey } from '../support/shopper.js';

const SUCCESS = 'https://shop.test/thanks?qs=%7B%7Bqualification_session_id%7D%7D';
const FAILURE = 'https://shop.test/cart?declined=%7B%7Bqualification_session_id%7D%7D';

describe('shopper survey pages (SPEC §2.2)', () => {
  let t: TestApp;
  let channel: TestChannel;
  before(async () => {
    t = await createTestApp();
    channel = await t.channel();
  });
  after(() => t.close());

  const status = async (id: string) =>
    json<{ status: string; rejection_reason: string | null }>(
      await t.api('GET', `/api/v1/qualification_session/${id}`, { key: channel }),
    );

  it('refuses a forged or missing token with a 403 page, and an unknown session with a 404 page', async () => {
    const session = await createSession(t, channel);
    for (const url of [
      `/q/${session.id}`,
      `/q/${session.id}?t=${'A'.repeat(32)}`,
      `/q/${session.id}?t=short`,
    ]) {
      const response = await t.app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 403, show(response));
      assert.match(response.headers['content-type'] as string, /text\/html/);
      assert.match(response.body, /This link is not valid/);
      assert.ok(!response.body.includes('Date of birth'), 'no form behind a bad token');
    }
    const forged = await postForm(t, `/q/${session.id}`, { t: 'A'.repeat(32), action: 'submit' });
    assert.equal(forged.statusCode, 403, show(forged));
    const unknown = 'qs_00000000-0000-4000-8000-000000000000';
    const missing = await t.app.inject({
      method: 'GET',
      url: `/q/${unknown}?t=${sessionLinkToken(t.config.secret, unknown)}`,
    });
    assert.equal(missing.statusCode, 404, show(missing));
    assert.match(missing.body, /not valid/);
  });

  it('renders the survey with its labels, the email pre-filled, and secure headers', async () => {
    const session = await createSession(t, channel, { email: 'known@example.com', customer_name: 'Ada <b>' });
    const response = await t.app.inject({ method: 'GET', url: session.path });
    assert.equal(response.statusCode, 200, show(response));
    const body = response.body;
    for (const label of ['Email', 'Date of birth', 'State', 'Details', 'High cholesterol', 'None of these']) {
      assert.match(body, new RegExp(`<label for="[^"]+">(<input[^>]*> )?${label}`), `label ${label}`);
    }
    assert.match(body, /telehealth/);
    assert.match(body, /privacy notice/);
    assert.match(body, /<button type="submit" name="action" value="submit">Submit<\/button>/);
    assert.match(body, /value="decline"[^>]*>Decline<\/button>/);
    assert.match(body, /value="known@example.com"/);
    assert.match(body, /Ada &lt;b&gt;/, 'user text is escaped');
    assert.match(
      body,
      /<form method="post" action="\/q\/[^"?]+" novalidate/,
      'posts without the token in the URL',
    );
    assert.match(body, /name="viewport"/);
    assert.ok(!/<script/i.test(body), 'no script');
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.equal(response.headers['referrer-policy'], 'no-referrer');
    assert.match(response.headers['content-security-policy'] as string, /default-src 'none'/);
  });

  it('fills source and skus from the link only while they are null; never user_id (issue 13 item 3)', async () => {
    const session = await createSession(t, channel, { source: 'newsletter' });
    const response = await t.app.inject({
      method: 'GET',
      url: `${session.path}&source=ad&user_id=u-42&skus=A1,B2`,
    });
    assert.equal(response.statusCode, 200, show(response));
    const row = json<Record<string, unknown>>(
      await t.api('GET', `/api/v1/qualification_session/${session.id}`, { key: channel }),
    );
    assert.equal(row.source, 'newsletter', 'an existing value is not overwritten');
    assert.equal(row.user_id, null, 'user_id is the merchant’s: only the API sets it');
    assert.equal(row.skus_param, 'A1,B2');

    const owned = await createSession(t, channel, { user_id: 'cus_1' });
    const again = await t.app.inject({ method: 'GET', url: `${owned.path}&user_id=attacker` });
    assert.equal(again.statusCode, 200, show(again));
    const kept = json<Record<string, unknown>>(
      await t.api('GET', `/api/v1/qualification_session/${owned.id}`, { key: channel }),
    );
    assert.equal(kept.user_id, 'cus_1');
  });

  it('re-renders a form with errors keeping what was typed; the session stays pending', async () => {
    const session = await createSession(t, channel);
    const response = await submitSurvey(t, session, {
      email: 'not-an-email',
      details: 'Typed <details> & kept',
      condition: ['insomnia', 'high_cholesterol'],
      consent_privacy: undefined,
    });
    assert.equal(response.statusCode, 422, show(response));
    assert.match(response.body, /There is a problem/);
    assert.match(response.body, /Enter an email address like name@example.com/);
    assert.match(response.body, /Accept the privacy notice/);
    assert.match(response.body, /value="not-an-email"/);
    assert.match(response.body, /value="1980-04-23"/);
    assert.match(response.body, /<option value="CA" selected>/);
    assert.match(response.body, />Typed &lt;details&gt; &amp; kept<\/textarea>/);
    assert.match(response.body, /value="insomnia" checked/);
    assert.match(response.body, /value="high_cholesterol" checked/);
    assert.match(response.body, /id="consent_telehealth" name="consent_telehealth" value="yes" checked/);
    assert.equal((await status(session.id)).status, 'pending');
  });

  it('refuses "None of these" combined with a condition as a form error', async () => {
    const session = await createSession(t, channel);
    const response = await submitSurvey(t, session, { condition: ['none', 'insomnia'] });
    assert.equal(response.statusCode, 422, show(response));
    assert.match(response.body, /cannot be combined/);
  });

  it('submits: processing, then a 303 to success_url with the id filled in; the shopper acted', async () => {
    const session = await createSession(t, channel, { success_url: SUCCESS });
    const response = await submitSurvey(t, session, { email: 'new@example.com', state: 'NY' });
    assert.equal(response.statusCode, 303, show(response));
    assert.equal(response.headers.location, `https://shop.test/thanks?qs=${session.id}`);
    const row = await status(session.id);
    assert.equal(row.status, 'processing', JSON.stringify(row));
    const stored = await t.database.db
      .selectFrom('qualification_sessions')
      .select(['email', 'shopper_state'])
      .where('id', '=', session.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(stored, { email: 'new@example.com', shopper_state: 'NY' });
    const transition = await t.database.db
      .selectFrom('session_transitions')
      .select(['to_status', 'actor'])
      .where('session_id', '=', session.id)
      .execute();
    assert.deepEqual(transition, [{ to_status: 'processing', actor: 'shopper' }]);

    // The link now says it is in review; a second submission changes nothing.
    const again = await submitSurvey(t, session);
    assert.equal(again.statusCode, 200, show(again));
    assert.match(again.body, /being reviewed/);
    const page = await t.app.inject({ method: 'GET', url: session.path });
    assert.match(page.body, /being reviewed/);
    assert.ok(!page.body.includes('Date of birth'));
  });

  it('replaces a literal {{qualification_session_id}} in success_url', async () => {
    const session = await createSession(t, channel);
    await t.database.db
      .updateTable('qualification_sessions')
      .set({ success_url: 'https://shop.test/done/{{qualification_session_id}}' })
      .where('id', '=', session.id)
      .execute();
    const response = await submitSurvey(t, session);
    assert.equal(response.headers.location, `https://shop.test/done/${session.id}`, show(response));
  });

  it('shows a confirmation page when there is no success_url', async () => {
    const session = await createSession(t, channel);
    const response = await submitSurvey(t, session);
    assert.equal(response.statusCode, 200, show(response));
    assert.match(response.body, /Your answers were sent/);
  });

  it('declines: 303 to failure_url, the session stays pending and the link still works', async () => {
    const session = await createSession(t, channel, { failure_url: FAILURE });
    const response = await postForm(t, `/q/${session.id}`, {
      t: session.token,
      action: 'decline',
      email: '',
    });
    assert.equal(response.statusCode, 303, show(response));
    assert.equal(response.headers.location, `https://shop.test/cart?declined=${session.id}`);
    assert.equal((await status(session.id)).status, 'pending');
    const page = await t.app.inject({ method: 'GET', url: session.path });
    assert.match(page.body, /Date of birth/);

    const noUrl = await createSession(t, channel);
    const declined = await postForm(t, `/q/${noUrl.id}`, { t: noUrl.token, action: 'decline' });
    assert.equal(declined.statusCode, 200, show(declined));
    assert.match(declined.body, /You declined/);
  });

  for (const [name, overrides, reason] of [
    ['under 18', { date_of_birth: '2015-06-01' }, 'age_ineligible'],
    ['no qualifying condition', { condition: ['none'] }, 'no_qualifying_condition'],
  ] as const) {
    it(`rejects ${name} automatically as actor rules, audited, redirecting to failure_url (issue 10 item 6)`, async () => {
      const failure = 'https://shop.example/failed';
      const session = await createSession(t, channel, { success_url: SUCCESS, failure_url: failure });
      const response = await submitSurvey(t, session, overrides);
      assert.equal(response.statusCode, 303, show(response));
      assert.equal(response.headers.location, failure);
      const row = await status(session.id);
      assert.equal(row.status, 'rejected', JSON.stringify(row));
      assert.equal(row.rejection_reason, reason);
      const transitions = await t.database.db
        .selectFrom('session_transitions')
        .select(['from_status', 'to_status', 'actor'])
        .where('session_id', '=', session.id)
        .orderBy('created_at')
        .execute();
      assert.deepEqual(transitions.map((r) => `${r.from_status}>${r.to_status}:${r.actor}`).sort(), [
        'pending>processing:shopper',
        'processing>rejected:rules',
      ]);
      const audit = await t.database.db
        .selectFrom('audit_log')
        .select(['actor_type', 'action', 'details'])
        .where('subject_id', '=', session.id)
        .execute();
      assert.deepEqual(audit, [
        { actor_type: 'rules', action: 'session.auto_reject', details: `{"reason":"${reason}"}` },
      ]);
      const page = await t.app.inject({ method: 'GET', url: session.path });
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Your request was not approved/);
      // Issue 10 item 1: the reason in plain words, never the code.
      assert.match(page.body, reason === 'age_ineligible' ? /18 or older/ : /None of the conditions/);
      assert.ok(!page.body.includes(reason), 'the reason is in plain words');
      assert.match(page.body, /<a href="https:\/\/shop.example\/failed">Back to the store<\/a>/);
    });
  }

  it('keeps survey text out of the merchant object and the webhook events', async () => {
    const session = await createSession(t, channel);
    await submitSurvey(t, session, { details: 'ZEBRA-DETAIL-7781', condition: ['chronic_pain_arthritis'] });
    const api = await t.api('GET', `/api/v1/qualification_session/${session.id}`, { key: channel });
    const events = await t.database.db
      .selectFrom('events')
      .select('data')
      .where('session_id', '=', session.id)
      .execute();
    for (const text of [api.body, JSON.stringify(events)]) {
      for (const secret of ['ZEBRA-DETAIL-7781', 'chronic_pain', 'arthritis', '1980-04-23']) {
        assert.ok(!text.includes(secret), `${secret} leaked: ${text.slice(0, 300)}`);
      }
    }
  });

  it('leaves the merchant API JSON-only: a form body still gets 415', async () => {
    const response = await t.api('POST', '/api/v1/qualification_session/create', {
      key: channel,
      body: 'idempotency_key=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(response.statusCode, 415, show(response));
    assert.equal(json(response).error, 'UnsupportedMediaType');
  });

  it('accepts only form bodies on the survey: JSON gets a 415 page', async () => {
    const session = await createSession(t, channel);
    const response = await t.app.inject({
      method: 'POST',
      url: `/q/${session.id}`,
      payload: JSON.stringify({ t: session.token, action: 'submit' }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.statusCode, 415, show(response));
    assert.match(response.headers['content-type'] as string, /text\/html/);
    assert.equal((await status(session.id)).status, 'pending');
  });

  it('keeps the human pages out of the OpenAPI document', async () => {
    const doc = json<{ paths: Record<string, unknown> }>(await t.api('GET', '/openapi.json'));
    assert.ok(
      !Object.keys(doc.paths).some((p) => /^\/(q|console|verify)\b/.test(p)),
      Object.keys(doc.paths).join(),
    );
  });
});
