import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY_MS, ManualClock } from '../../src/lib/clock.js';
import {
  formatVerificationCode,
  newVerificationCode,
  normalizeVerificationCode,
} from '../../src/lmn/lmn.code.js';
import { SANDBOX_DATE_OF_BIRTH } from '../../src/lmn/lmn.service.js';
import { createTestApp, json, show, type TestApp, type TestChannel } from '../support/app.js';
import {
  addClinician,
  approveInConsole,
  cookiesFrom,
  createSession,
  postForm,
  previewedDigest,
  signIn,
  submitSurvey,
  type TestSession,
} from '../support/shopper.js';

describe('verification codes (SPEC §2.5)', () => {
  it('are 10 Crockford base32 characters, and what a person types normalises back', () => {
    const codes = new Set(Array.from({ length: 200 }, newVerificationCode));
    assert.equal(codes.size, 200);
    for (const code of codes) assert.match(code, /^[0-9A-HJKMNP-TV-Z]{10}$/);
    const code = [...codes][0]!;
    assert.equal(normalizeVerificationCode(formatVerificationCode(code).toLowerCase()), code);
    assert.equal(normalizeVerificationCode('o1il0-ABCDE'), '01110ABCDE');
    assert.equal(normalizeVerificationCode('short'), undefined);
    assert.equal(normalizeVerificationCode('UUUUUUUUUU'), undefined);
  });
});

describe('the LMN (SPEC §2.5, issue 10)', () => {
  let t: TestApp;
  let channel: TestChannel;
  let testChannel: TestChannel;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  before(async () => {
    t = await createTestApp({ clock });
    channel = await t.channel({ live: true });
    testChannel = await t.channel();
  });
  after(() => t.close());

  async function approvedSession(validityDays: string, on: TestChannel = channel) {
    const session = await createSession(t, on, {
      customer_name: 'Grace Hopper',
      email: 'grace@example.com',
      failure_url: 'https://shop.example/fail',
      order_items: [
        { sku: 'BP-1', name: 'Blood pressure monitor', price: 5000 },
        { sku: 'TEA-1', name: 'Herbal tea', price: 1200, quantity: 2 },
      ],
    });
    const submitted = await submitSurvey(t, session, {
      state: 'WA',
      date_of_birth: '1956-12-09',
      condition: ['hypertension', 'insomnia'],
    });
    assert.equal(submitted.statusCode, 200, show(submitted));
    const clinician = await addClinician(t, ['WA'], 'Dr. Mary Walker');
    const agent = await signIn(t, clinician);
    const approved = await approveInConsole(agent, session.id, {
      sku: 'BP-1',
      diagnosis: ['I10', 'G47.00'],
      use: ['Measure blood pressure twice daily', ''],
      duration: ['12 months', ''],
      validity_days: validityDays,
    });
    assert.equal(approved.statusCode, 303, show(approved));
    const lmn = await t.database.db
      .selectFrom('lmns')
      .selectAll()
      .where('session_id', '=', session.id)
      .executeTakeFirstOrThrow();
    return { session, lmn, clinician };
  }

  it('is issued at approval with the clinician, licence, dates, covered items, and encrypted clinical text', async () => {
    const { session, lmn, clinician } = await approvedSession('90');
    assert.match(lmn.id, /^lmn_/);
    assert.match(lmn.verification_code, /^[0-9A-Z]{10}$/);
    assert.equal(lmn.clinician_id, clinician.id);
    assert.equal(lmn.clinician_name, 'Dr. Mary Walker');
    assert.equal(lmn.clinician_npi, '1234567893');
    assert.equal(lmn.clinician_state, 'WA');
    assert.match(lmn.clinician_license ?? '', /^WA-LIC-/);
    assert.equal(lmn.clinician_address, '100 Main Street, Springfield');
    assert.equal(Number(lmn.livemode), 1);
    assert.equal(lmn.shopper_name, 'Grace Hopper');
    assert.equal(Number(lmn.issued_at), clock.now());
    assert.equal(Number(lmn.expires_at), clock.now() + 90 * DAY_MS);
    assert.deepEqual(
      JSON.parse(lmn.covered_items).map((i: { sku: string }) => i.sku),
      ['BP-1'],
    );
    assert.match(lmn.clinical, /^v1:/);
    assert.ok(!lmn.clinical.includes('I10') && !lmn.clinical.includes('1956'), 'clinical text is sealed');
    const api = json<Record<string, unknown>>(
      await t.api('GET', `/api/v1/qualification_session/${session.id}`, { key: channel }),
    );
    assert.equal(api.status, 'approved');
    assert.equal(api.eligible_amount, 5000);
    assert.ok(
      !JSON.stringify(api).includes(lmn.verification_code),
      'the letter is not in the merchant object',
    );

    // The merchant's link shows the outcome and the patient check, nothing about the patient.
    const link = await t.app.inject({ method: 'GET', url: session.path });
    assert.equal(link.statusCode, 200, show(link));
    assert.match(link.body, /<h1>Approved<\/h1>/);
    assert.match(link.body, /<label for="date_of_birth">Date of birth<\/label>/);
    assert.match(link.body, /<button type="submit">Continue<\/button>/);
    for (const secret of [
      'Grace',
      'hypertension',
      'Hypertension',
      'I10',
      '1956',
      'Blood pressure',
      'Mary Walker',
    ])
      assert.ok(!link.body.includes(secret), `the merchant's link shows ${secret}`);
    const noCookie = await t.app.inject({ method: 'GET', url: `/q/${session.id}/letter` });
    assert.equal(noCookie.statusCode, 403, show(noCookie));
    assert.ok(!noCookie.body.includes('Grace'), show(noCookie));

    // The shopper passes the check with the date of birth in another spelling.
    const letter = await openLetter(t, session, '12/09/1956');
    assert.equal(letter.statusCode, 200, show(letter));
    for (const text of [
      'Letter of Medical Necessity',
      'Grace Hopper',
      '1956-12-09',
      'Essential (primary) hypertension',
      'I10',
      'Insomnia, unspecified',
      'G47.00',
      'Blood pressure monitor',
      'Measure blood pressure twice daily',
      '12 months',
      'not for general health purposes',
      'Electronically signed by Dr. Mary Walker, MD on 2026-11-28',
      'NPI 1234567893',
      'Washington licence WA-LIC-',
      '100 Main Street, Springfield',
      formatVerificationCode(lmn.verification_code),
      `/verify/${lmn.verification_code}`,
      `href="/q/${session.id}/letter.pdf"`,
      '@media print',
    ]) {
      assert.ok(letter.body.includes(text), `letter lacks ${text}`);
    }
    assert.ok(!letter.body.includes('Herbal tea'), 'an uncovered item is not on the letter');
    assert.ok(!letter.body.includes('NOT VALID'), 'a live letter has no test mark');
  });

  it('verifies as valid, then expired, and unknown codes as unknown — with initials and items, no diagnosis', async () => {
    const { lmn } = await approvedSession('30');
    const valid = await t.app.inject({
      method: 'GET',
      url: `/verify/${lmn.verification_code.toLowerCase()}`,
    });
    assert.equal(valid.statusCode, 200, show(valid));
    assert.match(valid.body, /<h1>Valid letter<\/h1>/);
    assert.match(valid.body, /Dr\. Mary Walker/);
    assert.match(valid.body, /G\. H\./);
    assert.match(valid.body, /Blood pressure monitor/);
    assert.match(valid.body, new RegExp(new Date(Number(lmn.issued_at)).toISOString().slice(0, 10)));
    assert.match(valid.body, new RegExp(new Date(Number(lmn.expires_at)).toISOString().slice(0, 10)));
    for (const secret of [
      'hypertension',
      'Insomnia',
      'I10',
      'G47',
      'Grace',
      'grace@example.com',
      '1956',
      'Herbal tea',
    ]) {
      assert.ok(!valid.body.includes(secret), `verification page shows ${secret}`);
    }

    const form = await t.app.inject({ method: 'GET', url: '/verify' });
    assert.equal(form.statusCode, 200, show(form));
    assert.match(form.body, /<label for="code">Verification code<\/label>/);
    const typed = await t.app.inject({
      method: 'GET',
      url: `/verify?code=${encodeURIComponent(formatVerificationCode(lmn.verification_code).toLowerCase())}`,
    });
    assert.equal(typed.statusCode, 303, show(typed));
    assert.equal(typed.headers.location, `/verify/${lmn.verification_code}`);
    const badTyped = await t.app.inject({ method: 'GET', url: '/verify?code=nope' });
    assert.equal(badTyped.statusCode, 422, show(badTyped));

    clock.advance(31 * DAY_MS);
    const expired = await t.app.inject({ method: 'GET', url: `/verify/${lmn.verification_code}` });
    assert.equal(expired.statusCode, 200, show(expired));
    assert.match(expired.body, /<h1>Expired letter<\/h1>/);

    const unknown = await t.app.inject({ method: 'GET', url: '/verify/ZZZZZZZZZZ' });
    assert.equal(unknown.statusCode, 404, show(unknown));
    assert.match(unknown.body, /<h1>Unknown letter<\/h1>/);
    const garbage = await t.app.inject({ method: 'GET', url: '/verify/%3Cscript%3E' });
    assert.equal(garbage.statusCode, 404, show(garbage));
    assert.ok(!garbage.body.includes('<script>'));
  });

  it('is a test letter after a test-helper approval: marked on the page and "not valid" at /verify', async () => {
    const session = await createSession(t, testChannel, {
      customer_name: 'Sandy Box',
      order_items: [{ sku: 'S-1', name: 'Sandbox item', price: 1000 }],
    });
    const approved = await t.api('POST', `/api/v1/test_helpers/qualification_session/${session.id}/approve`, {
      key: testChannel,
      body: {},
    });
    assert.equal(approved.statusCode, 200, show(approved));
    const lmn = await t.database.db
      .selectFrom('lmns')
      .selectAll()
      .where('session_id', '=', session.id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(lmn.livemode), 0);
    assert.equal(lmn.clinician_id, null);
    const verify = await t.app.inject({ method: 'GET', url: `/verify/${lmn.verification_code}` });
    assert.equal(verify.statusCode, 200, show(verify));
    assert.match(verify.body, /<h1>Test letter — not valid<\/h1>/);
    assert.ok(!verify.body.includes('Valid letter'), show(verify));
    // No survey was answered: the sandbox date of birth opens it.
    const letter = await openLetter(t, session, SANDBOX_DATE_OF_BIRTH);
    assert.equal(letter.statusCode, 200, show(letter));
    assert.match(letter.body, /TEST — NOT VALID FOR REIMBURSEMENT/);
    assert.match(letter.body, /Sandbox item/);
  });

  it("is refused to a clinician with no licence number for the patient's state, until the profile has one", async () => {
    const session = await createSession(t, channel, {
      order_items: [{ sku: 'X-1', name: 'Thing', price: 100 }],
    });
    assert.equal((await submitSurvey(t, session, { state: 'OR' })).statusCode, 200);
    const created = await t.services.clinicians.add({
      email: 'unlicensed@example.com',
      name: 'Dr. No Number',
      npi: '1234567893',
      states: ['OR'],
      password: 'correct horse battery staple',
    });
    const agent = await signIn(t, { email: created.email, password: 'correct horse battery staple' });
    const page = await agent.get(`/console/sessions/${session.id}`);
    assert.match(page.body, /You have no licence number for Oregon on your profile/, show(page));
    const refused = await approveInConsole(agent, session.id, { sku: 'X-1' });
    assert.equal(refused.statusCode, 403, show(refused));
    assert.match(refused.body, /no licence number for Oregon/);
    const row = await t.database.db
      .selectFrom('qualification_sessions')
      .select('status')
      .where('id', '=', session.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'processing');

    const profile = await agent.get('/console/profile');
    assert.equal(profile.statusCode, 200, show(profile));
    assert.match(profile.body, /<label for="license-OR">Licence number in Oregon<\/label>/);
    const bad = await agent.post('/console/profile', { license_state: 'OR', license_number: '<x>' });
    assert.equal(bad.statusCode, 422, show(bad));
    const saved = await agent.post('/console/profile', {
      practice_address: '1 Clinic Road, Portland OR',
      license_state: 'OR',
      license_number: 'OR-998877',
    });
    assert.equal(saved.statusCode, 200, show(saved));
    assert.match(saved.body, /Your profile was saved/);
    const approved = await approveInConsole(agent, session.id, { sku: 'X-1' });
    assert.equal(approved.statusCode, 303, show(approved));
    const lmn = await t.database.db
      .selectFrom('lmns')
      .select(['clinician_license', 'clinician_address'])
      .where('session_id', '=', session.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(lmn, {
      clinician_license: 'OR-998877',
      clinician_address: '1 Clinic Road, Portland OR',
    });
  });

  it('shows the exact letter before confirming; a confirm of anything else is previewed again', async () => {
    const session = await createSession(t, channel, {
      customer_name: 'Pat Preview',
      order_items: [{ sku: 'P-1', name: 'Pillow', price: 100 }],
    });
    assert.equal((await submitSurvey(t, session, { state: 'ID', condition: ['insomnia'] })).statusCode, 200);
    const agent = await signIn(t, await addClinician(t, ['ID'], 'Dr. Ida Preview'));
    const url = `/console/sessions/${session.id}/approve`;
    const none = await agent.post(url, { sku: 'P-1', validity_days: '365', action: 'preview' });
    assert.equal(none.statusCode, 422, show(none));
    assert.match(none.body, /Choose at least one diagnosis/);
    const fields = {
      sku: 'P-1',
      diagnosis: 'G47.00',
      validity_days: '365',
      use: 'Sleep on it nightly',
      duration: '6 months',
    };
    const preview = await agent.post(url, { ...fields, action: 'preview' });
    assert.equal(preview.statusCode, 200, show(preview));
    for (const text of [
      'Preview of the letter',
      'Pat Preview',
      'Insomnia, unspecified',
      'G47.00',
      'Sleep on it nightly',
      '6 months',
      'Confirm and sign',
    ])
      assert.ok(preview.body.includes(text), `preview lacks ${text}`);
    const digest = previewedDigest(preview.body)!;
    const changed = await agent.post(url, {
      ...fields,
      duration: '9 months',
      action: 'confirm',
      previewed: digest,
    });
    assert.equal(changed.statusCode, 200, show(changed));
    assert.match(changed.body, /Preview of the letter/);
    const confirmed = await agent.post(url, {
      ...fields,
      duration: '9 months',
      action: 'confirm',
      previewed: previewedDigest(changed.body)!,
    });
    assert.equal(confirmed.statusCode, 303, show(confirmed));
  });
});

/** Opens the shopper's link, passes the patient check with `dateOfBirth`, and GETs the letter. */
async function openLetter(t: TestApp, session: TestSession, dateOfBirth: string) {
  const check = await postForm(t, `/q/${session.id}/patient-check`, {
    t: session.token,
    date_of_birth: dateOfBirth,
  });
  assert.equal(check.statusCode, 303, show(check));
  assert.equal(check.headers.location, `/q/${session.id}/letter`);
  const cookie = cookiesFrom(check).qualify_letter;
  assert.ok(cookie, 'the check sets the letter cookie');
  return t.app.inject({
    method: 'GET',
    url: `/q/${session.id}/letter`,
    headers: { cookie: `qualify_letter=${cookie}` },
  });
}
