import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/lib/clock.js';
import { createTestApp, show, type TestApp, type TestChannel } from '../support/app.js';
import {
  addClinician,
  approveInConsole,
  createSession,
  dumpAllRows,
  postForm,
  signIn,
  submitSurvey,
  type TestSession,
} from '../support/shopper.js';

describe('sandbox separation and the work list (issue 11 items 4 and 6)', () => {
  let t: TestApp;
  let live: TestChannel;
  let test: TestChannel;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  before(async () => {
    t = await createTestApp({ clock });
    live = await t.channel({ live: true });
    test = await t.channel();
  });
  after(() => t.close());

  async function submitted(
    channel: TestChannel,
    name: string,
    state = 'WA',
    email?: string,
  ): Promise<TestSession> {
    const session = await createSession(t, channel, { customer_name: name, ...(email ? { email } : {}) });
    const response = await submitSurvey(t, session, { state, ...(email ? { email } : {}) });
    assert.equal(response.statusCode, 200, show(response));
    return session;
  }

  it('keeps test-mode sessions out of every live queue; a sandbox clinician sees them in the marked Sandbox queue', async () => {
    const liveOnly = await signIn(t, await addClinician(t, ['WA'], 'Dr. Live', 'none'));
    const both = await signIn(t, await addClinician(t, ['WA'], 'Dr. Both', 'also'));
    const demo = await signIn(t, await addClinician(t, ['WA'], 'Dr. Demo', 'only'));
    const real = await submitted(live, 'Real Shopper');
    const fake = await submitted(test, 'Sandbox Shopper');

    const liveQueue = await liveOnly.get('/console/queue');
    assert.ok(liveQueue.body.includes('Real Shopper'), liveQueue.body);
    assert.ok(!liveQueue.body.includes('Sandbox Shopper'), 'a test key never reaches a live queue');
    const refused = await liveOnly.get(`/console/sessions/${fake.id}`);
    assert.equal(refused.statusCode, 404, show(refused));
    const decide = await liveOnly.post(`/console/sessions/${fake.id}/reject`, {
      reason: 'clinician_declined',
    });
    assert.equal(decide.statusCode, 404, show(decide));
    const sandboxForLive = await liveOnly.get('/console/queue?queue=sandbox');
    assert.ok(!sandboxForLive.body.includes('Sandbox Shopper'), 'no sandbox queue without the flag');

    const bothLive = await both.get('/console/queue');
    assert.ok(!bothLive.body.includes('Sandbox Shopper'), bothLive.body);
    const bothSandbox = await both.get('/console/queue?queue=sandbox');
    assert.match(bothSandbox.body, /<h1>Sandbox queue<\/h1>/);
    assert.match(bothSandbox.body, /test-mode sessions only/);
    assert.ok(bothSandbox.body.includes('Sandbox Shopper') && !bothSandbox.body.includes('Real Shopper'));

    // The development demo clinician reviews the sandbox only.
    const demoQueue = await demo.get('/console/queue');
    assert.match(demoQueue.body, /<h1>Sandbox queue<\/h1>/);
    assert.ok(!demoQueue.body.includes('Real Shopper'), demoQueue.body);
    assert.equal((await demo.get(`/console/sessions/${real.id}`)).statusCode, 404);
    const decided = await demo.post(`/console/sessions/${fake.id}/reject`, { reason: 'clinician_declined' });
    assert.equal(decided.statusCode, 303, show(decided));
  });

  it('counts, ages, filters, searches and pages without a silent cap', async () => {
    const first = await submitted(live, 'Oldest Oregon', 'OR', 'oldest.oregon@example.com');
    clock.advance(2 * 3_600_000);
    for (let i = 0; i < 52; i++) {
      await submitted(live, `Nevada ${String(i).padStart(2, '0')}`, 'NV');
      clock.advance(1_000);
    }
    clock.advance(60_000);
    const clinician = await signIn(t, await addClinician(t, ['OR', 'NV'], 'Dr. Pages', 'none'));

    const page1 = await clinician.get('/console/queue');
    assert.match(
      page1.body,
      /<strong>53<\/strong> waiting · oldest waiting 2 h 1 min/,
      page1.body.slice(0, 3000),
    );
    assert.match(page1.body, /Page 1 of 2/);
    assert.ok(page1.body.indexOf('Oldest Oregon') < page1.body.indexOf('Nevada 00'), 'oldest first');
    assert.ok(!page1.body.includes('Nevada 51'), 'not on the first page');
    const page2 = await clinician.get('/console/queue?page=2');
    assert.ok(page2.body.includes('Nevada 51'), 'the 53rd session is on page 2');

    const oregon = await clinician.get('/console/queue?state=OR');
    assert.match(oregon.body, /<strong>1<\/strong> waiting/);
    const old = await clinician.get('/console/queue?age=1h');
    assert.match(old.body, /<strong>1<\/strong> waiting/);
    assert.ok(old.body.includes('Oldest Oregon'));
    const byEmail = await clinician.get('/console/queue?q=oldest.oregon%40example');
    assert.match(byEmail.body, /<strong>1<\/strong> waiting/);
    const byId = await clinician.get(`/console/queue?q=${first.id.slice(3, 20)}`);
    assert.ok(byId.body.includes('Oldest Oregon'), byId.body.slice(0, 2000));
  });

  it('shows a session another clinician has open as "being reviewed by …" for 15 minutes', async () => {
    const a = await signIn(t, await addClinician(t, ['ID'], 'Dr. Alpha', 'none'));
    const b = await signIn(t, await addClinician(t, ['ID'], 'Dr. Beta', 'none'));
    const session = await submitted(live, 'Claimed Shopper', 'ID');
    assert.equal((await a.get(`/console/sessions/${session.id}`)).statusCode, 200);
    const queue = await b.get('/console/queue');
    assert.match(queue.body, /being reviewed by Dr\. Alpha, MD/);
    const review = await b.get(`/console/sessions/${session.id}`);
    assert.match(review.body, /Being reviewed by Dr\. Alpha, MD/);
    clock.advance(15 * 60_000 + 1);
    const later = await a.get('/console/queue');
    assert.ok(
      !later.body.includes('being reviewed by'),
      'the claim expired (and b holds it, not shown to b)',
    );
  });

  it('"My decisions" lists what the clinician decided and shows it again, audited', async () => {
    const clinician = await addClinician(t, ['UT'], 'Dr. Decider', 'none');
    const agent = await signIn(t, clinician);
    const session = await submitted(live, 'Decided Shopper', 'UT');
    const rejected = await agent.post(`/console/sessions/${session.id}/reject`, {
      reason: 'insufficient_information',
      note: 'No diagnosis given.',
    });
    assert.equal(rejected.statusCode, 303, show(rejected));
    const list = await agent.get('/console/decisions');
    assert.ok(list.body.includes('Decided Shopper') && list.body.includes('rejected'), list.body);
    const view = await agent.get(`/console/decisions/${session.id}`);
    assert.equal(view.statusCode, 200, show(view));
    assert.ok(view.body.includes('No diagnosis given.'), view.body);
    const other = await signIn(t, await addClinician(t, ['UT'], 'Dr. Other', 'none'));
    assert.equal((await other.get(`/console/decisions/${session.id}`)).statusCode, 404);
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('subject_id', '=', session.id)
      .where('actor_id', '=', clinician.id)
      .execute();
    assert.ok(
      audit.some((r) => r.action === 'decision.view'),
      JSON.stringify(audit),
    );
  });
});

describe('Ask the shopper (issue 11 item 5)', () => {
  let t: TestApp;
  let live: TestChannel;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  before(async () => {
    t = await createTestApp({ clock });
    live = await t.channel({ live: true });
  });
  after(() => t.close());

  it('asks, leaves the queue, the shopper answers on the link, and the session returns to the top', async () => {
    const endpoint = await t.services.webhookEndpoints.create(live.channelId, {
      url: 'https://93.184.215.14/h',
      events: ['qualification_session.information_requested'],
    });
    assert.ok(endpoint);
    const agent = await signIn(t, await addClinician(t, ['CA'], 'Dr. Asker', 'none'));
    const older = await createSession(t, live, { customer_name: 'Older Waiting' });
    await submitSurvey(t, older);
    clock.advance(60_000);
    const session = await createSession(t, live, { customer_name: 'Asked Shopper' });
    await submitSurvey(t, session);
    clock.advance(60_000);

    const QUESTION = 'How long have you had the SALAMANDER symptoms?';
    const ANSWER = 'Since 2019, the AXOLOTL way.';
    const asked = await agent.post(`/console/sessions/${session.id}/ask`, { question: QUESTION });
    assert.equal(asked.statusCode, 303, show(asked));
    const queue = await agent.get('/console/queue');
    assert.ok(!queue.body.includes('Asked Shopper'), 'out of the queue while waiting');
    const status = await t.api('GET', `/api/v1/qualification_session/${session.id}`, { key: live });
    assert.equal(JSON.parse(status.body).status, 'processing');
    const decide = await agent.post(`/console/sessions/${session.id}/reject`, {
      reason: 'clinician_declined',
    });
    assert.equal(decide.statusCode, 409, `no decision while waiting: ${show(decide)}`);

    // The merchant learns why the session waits, without the question.
    const events = await t.database.db
      .selectFrom('events')
      .select(['type', 'data'])
      .where('session_id', '=', session.id)
      .where('type', '=', 'qualification_session.information_requested')
      .execute();
    assert.equal(events.length, 1);
    assert.ok(!events[0]!.data.includes('SALAMANDER'), events[0]!.data);
    assert.match(events[0]!.data, /"waiting_for":"shopper_answer"/);

    // The question is health information: the link asks for the date of birth first (issue 10 item 1).
    const unchecked = await t.app.inject({ method: 'GET', url: session.path });
    assert.equal(unchecked.statusCode, 200, show(unchecked));
    assert.ok(!unchecked.body.includes('SALAMANDER'), unchecked.body);
    assert.match(unchecked.body, /<label for="date_of_birth">Date of birth<\/label>/);
    const wrong = await postForm(t, `/q/${session.id}/patient-check`, {
      t: session.token,
      date_of_birth: '1990-01-01',
    });
    assert.equal(wrong.statusCode, 422, show(wrong));
    assert.ok(!wrong.body.includes('SALAMANDER'), wrong.body);
    const passed = await postForm(t, `/q/${session.id}/patient-check`, {
      t: session.token,
      date_of_birth: '1980-04-23',
    });
    assert.equal(passed.statusCode, 303, show(passed));
    assert.equal(passed.headers.location, session.path);
    const cookie = String(passed.headers['set-cookie']).split(';')[0]!;
    const withoutCheck = await postForm(t, `/q/${session.id}/answer`, {
      t: session.token,
      question_id: 'sq_any',
      answer: ANSWER,
    });
    assert.equal(withoutCheck.statusCode, 403, show(withoutCheck));
    assert.ok(!withoutCheck.body.includes('SALAMANDER'), withoutCheck.body);

    const link = await t.app.inject({ method: 'GET', url: session.path, headers: { cookie } });
    assert.equal(link.statusCode, 200, show(link));
    assert.ok(link.body.includes(QUESTION), link.body);
    assert.match(link.body, /<label for="answer">Your answer<\/label>/);
    const questionId = link.body.match(/name="question_id" value="([^"]+)"/)![1]!;
    const forged = await postForm(
      t,
      `/q/${session.id}/answer`,
      { t: 'forged', question_id: questionId, answer: ANSWER },
      { cookie },
    );
    assert.equal(forged.statusCode, 403, show(forged));
    const answered = await postForm(
      t,
      `/q/${session.id}/answer`,
      { t: session.token, question_id: questionId, answer: ANSWER },
      { cookie },
    );
    assert.equal(answered.statusCode, 200, show(answered));
    assert.match(answered.body, /Answer sent/);

    const back = await agent.get('/console/queue');
    assert.ok(back.body.indexOf('Asked Shopper') < back.body.indexOf('Older Waiting'), 'back at the top');
    const review = await agent.get(`/console/sessions/${session.id}`);
    assert.ok(review.body.includes(QUESTION) && review.body.includes(ANSWER), review.body);

    const dump = await dumpAllRows(t);
    assert.ok(!dump.includes('SALAMANDER') && !dump.includes('AXOLOTL'), 'question and answer are sealed');
    const audit = await t.database.db
      .selectFrom('audit_log')
      .select('action')
      .where('subject_id', '=', session.id)
      .execute();
    const actions = audit.map((r) => r.action);
    assert.ok(actions.includes('session.ask') && actions.includes('session.answer'), actions.join());

    const approve = await approveInConsole(agent, session.id, {});
    assert.equal(approve.statusCode, 303, show(approve));
  });
});
