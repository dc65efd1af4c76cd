import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY_MS, ManualClock } from '../../src/lib/clock.js';
import { ApiError } from '../../src/lib/errors.js';
import { createTestApp, json, show, type TestApp, type TestChannel } from '../support/app.js';
import {
  addClinician,
  approveInConsole,
  createSession,
  postForm,
  signIn,
  submitSurvey,
} from '../support/shopper.js';

describe('console queue and review (SPEC §2.3)', () => {
  let t: TestApp;
  let channel: TestChannel;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  before(async () => {
    t = await createTestApp({ clock });
    // Issue 11 item 4 — the live queue holds live sessions only.
    channel = await t.channel({ live: true });
  });
  after(() => t.close());

  async function submitted(state: string, extra: Record<string, unknown> = {}) {
    const session = await createSession(t, channel, {
      order_items: [
        { sku: 'A-1', name: 'Massage gun', price: 10000 },
        { sku: 'B-2', name: 'Foam roller', price: 2500, quantity: 2 },
      ],
      ...extra,
    });
    const response = await submitSurvey(t, session, { state, details: `details for ${state}` });
    assert.equal(response.statusCode, 200, show(response));
    return session;
  }

  const sessionRow = async (id: string) =>
    json<Record<string, unknown>>(
      await t.api('GET', `/api/v1/qualification_session/${id}`, { key: channel }),
    );

  it('lists only processing sessions in the clinician’s states, oldest first, with their age', async () => {
    const oregon = await addClinician(t, ['OR', 'ID']);
    const older = await submitted('OR', { customer_name: 'Older Oregon' });
    clock.advance(5 * 60_000);
    const newer = await submitted('ID', { customer_name: 'Newer Idaho' });
    const elsewhere = await submitted('NV', { customer_name: 'Nevada Shopper' });
    await createSession(t, channel, { customer_name: 'Pending Oregon' });
    clock.advance(2 * 60 * 60_000);
    const agent = await signIn(t, oregon);
    const queue = await agent.get('/console/queue');
    assert.equal(queue.statusCode, 200, show(queue));
    const body = queue.body;
    assert.ok(body.includes('Older Oregon') && body.includes('Newer Idaho'), body);
    assert.ok(body.indexOf('Older Oregon') < body.indexOf('Newer Idaho'), 'oldest first');
    assert.ok(!body.includes('Nevada Shopper'), 'another state is not listed');
    assert.ok(!body.includes('Pending Oregon'), 'pending sessions are not listed');
    assert.match(body, /2 h 5 min/);
    assert.match(body, /2 h 0 min/);

    const hidden = await agent.get(`/console/sessions/${elsewhere.id}`);
    assert.equal(hidden.statusCode, 404, show(hidden));
    const approveHidden = await agent.post(`/console/sessions/${elsewhere.id}/approve`, {
      validity_days: '365',
      sku: 'A-1',
    });
    assert.equal(approveHidden.statusCode, 404, show(approveHidden));
    assert.equal((await sessionRow(elsewhere.id)).status, 'processing');
    assert.ok(older && newer);
  });

  it('shows the decrypted answers and items, and audits the view', async () => {
    const clinician = await addClinician(t, ['MT']);
    const session = await submitted('MT', { customer_name: 'Montana Shopper' });
    const agent = await signIn(t, clinician);
    const page = await agent.get(`/console/sessions/${session.id}`);
    assert.equal(page.statusCode, 200, show(page));
    for (const text of [
      'details for MT',
      'High blood pressure (hypertension)',
      '1980-04-23',
      'Massage gun',
      'Foam roller',
      'Montana',
    ]) {
      assert.ok(page.body.includes(text), `review page lacks ${text}`);
    }
    assert.match(page.body, /<button type="submit" name="action" value="preview">Preview letter<\/button>/);
    assert.ok(!/name="sku" value="[^"]*" checked/.test(page.body), 'covered items start unticked');
    assert.match(page.body, /name="diagnosis" value="I10"/);
    assert.match(page.body, /<button type="submit" class="secondary">Reject<\/button>/);
    assert.match(page.body, /name="validity_days" min="1" max="365" value="365"/);
    const views = await t.database.db
      .selectFrom('audit_log')
      .select(['actor_id', 'action'])
      .where('subject_id', '=', session.id)
      .where('action', '=', 'answers.view')
      .execute();
    assert.deepEqual(views, [{ actor_id: clinician.id, action: 'answers.view' }]);
  });

  it('approves chosen items for a validity of at most 365 days', async () => {
    const clinician = await addClinician(t, ['ME']);
    const session = await submitted('ME');
    const agent = await signIn(t, clinician);
    const noCsrf = await postForm(
      t,
      `/console/sessions/${session.id}/approve`,
      { sku: 'A-1', validity_days: '365' },
      { cookie: agent.cookie },
    );
    assert.equal(noCsrf.statusCode, 403, show(noCsrf));
    const tooLong = await agent.post(`/console/sessions/${session.id}/approve`, {
      sku: 'A-1',
      validity_days: '366',
    });
    assert.equal(tooLong.statusCode, 422, show(tooLong));
    assert.match(tooLong.body, /from 1 to 365/);
    const noItems = await agent.post(`/console/sessions/${session.id}/approve`, { validity_days: '365' });
    assert.equal(noItems.statusCode, 422, show(noItems));
    assert.equal((await sessionRow(session.id)).status, 'processing');

    const approved = await approveInConsole(agent, session.id, { sku: 'B-2', validity_days: '200' });
    assert.equal(approved.statusCode, 303, show(approved));
    assert.match(
      approved.headers.location as string,
      new RegExp(`^/console/queue\\?approved=${session.id}&code=`),
    );
    const row = await sessionRow(session.id);
    assert.equal(row.status, 'approved');
    assert.equal(row.eligible_amount, 5000);
    assert.equal(row.lmn_reviewed_at, new Date(clock.now()).toISOString());
    assert.equal(row.expires_at, new Date(clock.now() + 200 * DAY_MS).toISOString());
    const transition = await t.database.db
      .selectFrom('session_transitions')
      .select(['actor', 'actor_id'])
      .where('session_id', '=', session.id)
      .where('to_status', '=', 'approved')
      .executeTakeFirstOrThrow();
    assert.deepEqual(transition, { actor: 'clinician', actor_id: clinician.id });
    const queue = await agent.get(approved.headers.location as string);
    assert.match(queue.body, /Letter issued with verification code/);
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('subject_id', '=', session.id)
      .execute();
    assert.ok(audit.some((a) => a.action === 'session.approve'));
  });

  it('rejects with a reason code and an encrypted note', async () => {
    const clinician = await addClinician(t, ['VT']);
    const session = await submitted('VT');
    const agent = await signIn(t, clinician);
    const bad = await agent.post(`/console/sessions/${session.id}/reject`, { reason: 'because' });
    assert.equal(bad.statusCode, 422, show(bad));
    const rejected = await agent.post(`/console/sessions/${session.id}/reject`, {
      reason: 'insufficient_information',
      note: 'needs lab results',
    });
    assert.equal(rejected.statusCode, 303, show(rejected));
    const row = await sessionRow(session.id);
    assert.equal(row.status, 'rejected');
    assert.equal(row.rejection_reason, 'insufficient_information');
    assert.equal(row.expires_at, null);
    const review = await t.database.db
      .selectFrom('reviews')
      .selectAll()
      .where('session_id', '=', session.id)
      .executeTakeFirstOrThrow();
    assert.equal(review.decision, 'rejected');
    assert.match(review.note!, /^v1:/);
    assert.equal(
      await t.database.db
        .selectFrom('lmns')
        .select('id')
        .where('session_id', '=', session.id)
        .executeTakeFirst(),
      undefined,
    );
  });

  it('lets exactly one of two clinicians decide; the other sees "already reviewed"', async () => {
    const first = await addClinician(t, ['NM']);
    const second = await addClinician(t, ['NM']);
    const session = await submitted('NM');
    const [a, b] = await Promise.all([signIn(t, first), signIn(t, second)]);
    // Both open the page, then both decide at once.
    await Promise.all([a.get(`/console/sessions/${session.id}`), b.get(`/console/sessions/${session.id}`)]);
    const [ra, rb] = await Promise.all([
      approveInConsole(a, session.id, { sku: ['A-1', 'B-2'], validity_days: '365' }),
      b.post(`/console/sessions/${session.id}/reject`, { reason: 'clinician_declined' }),
    ]);
    const statuses = [ra.statusCode, rb.statusCode].sort();
    assert.deepEqual(statuses, [303, 409], `${show(ra)}\n${show(rb)}`);
    const loser = ra.statusCode === 409 ? ra : rb;
    assert.match(loser.body, /already reviewed/);
    const transitions = await t.database.db
      .selectFrom('session_transitions')
      .select('to_status')
      .where('session_id', '=', session.id)
      .execute();
    assert.equal(transitions.length, 2, 'processing plus exactly one decision');
    const events = await t.database.db
      .selectFrom('events')
      .select('type')
      .where('session_id', '=', session.id)
      .where('type', '=', 'qualification_session.complete')
      .execute();
    assert.equal(events.length, 1);
    const later = await a.get(`/console/sessions/${session.id}`);
    assert.equal(later.statusCode, 409, show(later));
    assert.match(later.body, /already reviewed/);
  });

  it('races at the service level too: one decision wins, the other gets InvalidStatusTransition', async () => {
    const clinician = await addClinician(t, ['SD']);
    const row = (await t.services.clinicians.find(clinician.id))!;
    const session = await submitted('SD');
    const results = await Promise.allSettled([
      t.services.review.approve(row, session.id, {
        coveredSkus: ['A-1'],
        validityDays: 365,
        note: '',
        diagnosisCodes: ['I10'],
        uses: [],
      }),
      t.services.review.reject(row, session.id, { reason: 'clinician_declined', note: '' }),
      t.services.review.reject(row, session.id, { reason: 'items_not_covered', note: '' }),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, JSON.stringify(results));
    for (const r of results) {
      if (r.status === 'rejected') {
        assert.ok(
          r.reason instanceof ApiError && r.reason.code === 'InvalidStatusTransition',
          String(r.reason),
        );
      }
    }
  });
});
