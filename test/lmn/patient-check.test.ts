import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/lib/clock.js';
import { normaliseBirthDate } from '../../src/lmn/letter-access.service.js';
import { createTestApp, show, type TestApp, type TestChannel } from '../support/app.js';
import {
  addClinician,
  approveInConsole,
  cookiesFrom,
  createSession,
  postForm,
  signIn,
  submitSurvey,
  type TestSession,
} from '../support/shopper.js';

describe('dates of birth as people type them', () => {
  it('normalise to YYYY-MM-DD, and nonsense to undefined', () => {
    assert.equal(normaliseBirthDate(' 1980-04-23 '), '1980-04-23');
    assert.equal(normaliseBirthDate('1980-4-3'), '1980-04-03');
    assert.equal(normaliseBirthDate('04/23/1980'), '1980-04-23');
    assert.equal(normaliseBirthDate('4/3/1980'), '1980-04-03');
    assert.equal(normaliseBirthDate('1980-02-30'), undefined);
    assert.equal(normaliseBirthDate('23 April 1980'), undefined);
    assert.equal(normaliseBirthDate(''), undefined);
  });
});

describe('the patient check before the letter (issue 10 item 1)', () => {
  let t: TestApp;
  let channel: TestChannel;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  before(async () => {
    t = await createTestApp({ clock });
    channel = await t.channel({ live: true });
  });
  after(() => t.close());

  async function approved(): Promise<TestSession> {
    const session = await createSession(t, channel, {
      customer_name: 'Lena Lock',
      order_items: [{ sku: 'L-1', name: 'Lamp', price: 100 }],
    });
    assert.equal(
      (await submitSurvey(t, session, { state: 'CO', date_of_birth: '1975-06-01' })).statusCode,
      200,
    );
    const agent = await signIn(t, await addClinician(t, ['CO']));
    const done = await approveInConsole(agent, session.id, { sku: 'L-1' });
    assert.equal(done.statusCode, 303, show(done));
    return session;
  }

  const check = (session: TestSession, dateOfBirth: string, token = session.token) =>
    postForm(t, `/q/${session.id}/patient-check`, { t: token, date_of_birth: dateOfBirth });

  const audited = async (sessionId: string) =>
    (
      await t.database.db
        .selectFrom('audit_log')
        .select('action')
        .where('subject_id', '=', sessionId)
        .orderBy('seq')
        .execute()
    )
      .map((r) => r.action)
      .filter((action) => action.startsWith('letter.'));

  it('locks the letter for 15 minutes after five wrong tries, the right date included; every try audited', async () => {
    const session = await approved();
    for (let i = 1; i <= 4; i += 1) {
      const wrong = await check(session, '1975-06-02');
      assert.equal(wrong.statusCode, 422, show(wrong));
      assert.match(wrong.body, new RegExp(`${5 - i} tr(y|ies) left`));
      assert.equal(wrong.cookies.length, 0, 'no cookie for a wrong date');
    }
    const fifth = await check(session, '1975-06-02');
    assert.equal(fifth.statusCode, 429, show(fifth));
    assert.match(fifth.body, /locked until 12:15 UTC/);
    const right = await check(session, '1975-06-01');
    assert.equal(right.statusCode, 429, show(right));
    assert.equal(right.cookies.length, 0);

    clock.advance(15 * 60_000 + 1);
    const after = await check(session, '06/01/1975');
    assert.equal(after.statusCode, 303, show(after));
    const cookie = (
      after.cookies as Array<{ name: string; httpOnly?: boolean; path?: string; maxAge?: number }>
    ).find((c) => c.name === 'qualify_letter');
    assert.ok(cookie?.httpOnly, JSON.stringify(after.cookies));
    assert.equal(cookie?.path, `/q/${session.id}`);
    assert.equal(cookie?.maxAge, 900);
    const letter = await t.app.inject({
      method: 'GET',
      url: `/q/${session.id}/letter`,
      headers: { cookie: `qualify_letter=${cookiesFrom(after).qualify_letter}` },
    });
    assert.equal(letter.statusCode, 200, show(letter));
    assert.deepEqual(await audited(session.id), [
      'letter.check_failed',
      'letter.check_failed',
      'letter.check_failed',
      'letter.check_failed',
      'letter.check_failed',
      'letter.check_locked',
      'letter.check_passed',
      'letter.view',
    ]);
  });

  it('binds the cookie to its session and its lifetime; a bad link token is refused', async () => {
    const first = await approved();
    const second = await approved();
    const passed = await check(first, '1975-06-01');
    assert.equal(passed.statusCode, 303, show(passed));
    const cookie = `qualify_letter=${cookiesFrom(passed).qualify_letter}`;
    const other = await t.app.inject({ method: 'GET', url: `/q/${second.id}/letter`, headers: { cookie } });
    assert.equal(other.statusCode, 403, show(other));
    const forged = await t.app.inject({
      method: 'GET',
      url: `/q/${first.id}/letter.pdf`,
      headers: { cookie: `qualify_letter=${first.id}.${clock.now() + 60_000}.AAAA` },
    });
    assert.equal(forged.statusCode, 403, show(forged));
    const badToken = await check(first, '1975-06-01', 'x'.repeat(32));
    assert.equal(badToken.statusCode, 403, show(badToken));
    clock.advance(15 * 60_000 + 1);
    const stale = await t.app.inject({ method: 'GET', url: `/q/${first.id}/letter`, headers: { cookie } });
    assert.equal(stale.statusCode, 403, show(stale));
  });

  it('is a PDF with the patient, date of birth, diagnosis codes, items and verification code', async () => {
    const session = await createSession(t, channel, {
      customer_name: 'Pia Portable',
      order_items: [
        { sku: 'G-1', name: 'Glucose meter', price: 3000 },
        { sku: 'S-1', name: 'Walking shoes', price: 9000 },
      ],
    });
    const submitted = await submitSurvey(t, session, {
      state: 'TX',
      date_of_birth: '1966-03-14',
      condition: ['prediabetes_type2_diabetes', 'overweight_obesity'],
    });
    assert.equal(submitted.statusCode, 200, show(submitted));
    const agent = await signIn(t, await addClinician(t, ['TX'], 'Dr. Paula Document'));
    const done = await approveInConsole(agent, session.id, {
      sku: ['G-1', 'S-1'],
      diagnosis: ['R73.03', 'E66.9'],
      use: ['Check glucose daily', 'Walk 30 minutes a day'],
      duration: ['12 months', '6 months'],
    });
    assert.equal(done.statusCode, 303, show(done));
    const code = new URL(`http://x${done.headers.location}`).searchParams.get('code')!;
    const passed = await check(session, '1966-03-14');
    const pdf = await t.app.inject({
      method: 'GET',
      url: `/q/${session.id}/letter.pdf`,
      headers: { cookie: `qualify_letter=${cookiesFrom(passed).qualify_letter}` },
    });
    assert.equal(pdf.statusCode, 200, show(pdf));
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');
    assert.match(pdf.rawPayload.toString('latin1'), /\/FontFile2/, 'the font is embedded');
    const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf.rawPayload }).toString();
    for (const wanted of [
      'Pia Portable',
      '1966-03-14',
      'R73.03',
      'E66.9',
      'Glucose meter',
      'Walking shoes',
      'Check glucose daily',
      'Walk 30 minutes a day',
      `${code.slice(0, 5)}-${code.slice(5)}`,
      'Electronically signed by Dr. Paula Document',
      'NPI 1234567893',
      'Texas licence TX-LIC-',
    ]) {
      assert.ok(text.includes(wanted), `PDF text lacks ${wanted}:\n${text}`);
    }
    assert.ok(!text.includes('E11.9'), 'a diagnosis the clinician did not choose is not on the letter');
    assert.deepEqual((await audited(session.id)).slice(-2), ['letter.check_passed', 'letter.download']);
  });

  it('shows a rejected shopper the reason in plain words and a link back to the merchant', async () => {
    const session = await createSession(t, channel, { failure_url: 'https://shop.example/cart?failed=1' });
    const young = await submitSurvey(t, session, { date_of_birth: '2015-01-01' });
    assert.equal(young.statusCode, 303, show(young));
    assert.equal(
      young.headers.location,
      'https://shop.example/cart?failed=1',
      'the pre-screen goes to failure_url',
    );
    const page = await t.app.inject({ method: 'GET', url: session.path });
    assert.equal(page.statusCode, 200, show(page));
    assert.match(page.body, /<h1>Your request was not approved<\/h1>/);
    assert.match(page.body, /You must be 18 or older/);
    assert.match(page.body, /<a href="https:\/\/shop.example\/cart\?failed=1">Back to the store<\/a>/);
    assert.ok(!page.body.includes('Date of birth'), show(page));
  });
});

describe('per-address limit on the patient check (issue 10 item 5)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp({
      env: { QUALIFY_PATIENT_CHECK_LIMIT_PER_MINUTE: '2', QUALIFY_VERIFY_LIMIT_PER_MINUTE: '2' },
    });
  });
  after(() => t.close());

  it('answers 429 once an address has used its budget, on the check and on /verify', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1)
      statuses.push(
        (await postForm(t, '/q/qs_x/patient-check', { t: 'x', date_of_birth: '1970-01-01' })).statusCode,
      );
    assert.deepEqual(statuses, [403, 403, 429]);
    const verify: number[] = [];
    for (const url of ['/verify', '/verify/ZZZZZZZZZZ', '/verify'])
      verify.push((await t.app.inject({ url })).statusCode);
    assert.deepEqual(verify, [200, 404, 429]);
  });
});
