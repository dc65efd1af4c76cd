import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY_MS, ManualClock } from '../../src/lib/clock.js';
import {
  formatVerificationCode,
  newVerificationCode,
  normalizeVerificationCode,
} from '../../src/lmn/lmn.code.js';
import { createTestApp, json, show, type TestApp, type TestChannel } from '../support/app.js';
import { addClinician, createSession, signIn, submitSurvey } from '../support/shopper.js';

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

describe('the LMN (SPEC §2.5)', () => {
  let t: TestApp;
  let channel: TestChannel;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  before(async () => {
    t = await createTestApp({ clock });
    channel = await t.channel();
  });
  after(() => t.close());

  async function approvedSession(validityDays: string) {
    const session = await createSession(t, channel, {
      customer_name: 'Grace Hopper',
      email: 'grace@example.com',
      order_items: [
        { sku: 'BP-1', name: 'Blood pressure monitor', price: 5000 },
        { sku: 'TEA-1', name: 'Herbal tea', price: 1200, quantity: 2 },
      ],
    });
    const submitted = await submitSurvey(t, session, {
      state: 'WA',
      condition: ['hypertension', 'insomnia'],
    });
    assert.equal(submitted.statusCode, 200, show(submitted));
    const clinician = await addClinician(t, ['WA'], 'Dr. Mary Walker');
    const agent = await signIn(t, clinician);
    const approved = await agent.post(`/console/sessions/${session.id}/approve`, {
      sku: 'BP-1',
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

  it('is issued at approval with the clinician, dates, covered items, and encrypted clinical text', async () => {
    const { session, lmn, clinician } = await approvedSession('90');
    assert.match(lmn.id, /^lmn_/);
    assert.match(lmn.verification_code, /^[0-9A-Z]{10}$/);
    assert.equal(lmn.clinician_id, clinician.id);
    assert.equal(lmn.clinician_name, 'Dr. Mary Walker');
    assert.equal(lmn.clinician_npi, '1234567893');
    assert.equal(lmn.clinician_state, 'WA');
    assert.equal(lmn.shopper_name, 'Grace Hopper');
    assert.equal(lmn.shopper_state, 'WA');
    assert.equal(Number(lmn.issued_at), clock.now());
    assert.equal(Number(lmn.expires_at), clock.now() + 90 * DAY_MS);
    assert.deepEqual(
      JSON.parse(lmn.covered_items).map((i: { sku: string }) => i.sku),
      ['BP-1'],
    );
    assert.match(lmn.clinical, /^v1:/);
    const api = json<Record<string, unknown>>(
      await t.api('GET', `/api/v1/qualification_session/${session.id}`, { key: channel }),
    );
    assert.equal(api.status, 'approved');
    assert.equal(api.eligible_amount, 5000);
    assert.equal(api.expires_at, new Date(clock.now() + 90 * DAY_MS).toISOString());
    assert.ok(
      !JSON.stringify(api).includes(lmn.verification_code),
      'the letter is not in the merchant object',
    );

    // The shopper sees the letter on their link.
    const page = await t.app.inject({ method: 'GET', url: session.path });
    assert.equal(page.statusCode, 200, show(page));
    for (const text of [
      'Letter of Medical Necessity',
      'Grace Hopper',
      'High blood pressure (hypertension)',
      'Insomnia or trouble sleeping',
      'Blood pressure monitor',
      'Dr. Mary Walker',
      'NPI 1234567893',
      formatVerificationCode(lmn.verification_code),
      `/verify/${lmn.verification_code}`,
    ]) {
      assert.ok(page.body.includes(text), `letter lacks ${text}`);
    }
    assert.ok(!page.body.includes('Herbal tea'), 'an uncovered item is not on the letter');
  });

  it('verifies as valid, then expired, and unknown codes as unknown — with no health information', async () => {
    const { lmn } = await approvedSession('30');
    const valid = await t.app.inject({
      method: 'GET',
      url: `/verify/${lmn.verification_code.toLowerCase()}`,
    });
    assert.equal(valid.statusCode, 200, show(valid));
    assert.match(valid.body, /<h1>Valid letter<\/h1>/);
    assert.match(valid.body, /Dr\. Mary Walker/);
    assert.match(valid.body, new RegExp(new Date(Number(lmn.issued_at)).toISOString().slice(0, 10)));
    assert.match(valid.body, new RegExp(new Date(Number(lmn.expires_at)).toISOString().slice(0, 10)));
    for (const secret of [
      'hypertension',
      'Insomnia',
      'Grace',
      'grace@example.com',
      'Blood pressure',
      'BP-1',
      'WA',
    ]) {
      assert.ok(!valid.body.includes(secret), `verification page shows ${secret}`);
    }

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

  it('is not issued by a test-helper approval; the link then shows a plain approval', async () => {
    const session = await createSession(t, channel);
    const approved = await t.api('POST', `/api/v1/test_helpers/qualification_session/${session.id}/approve`, {
      key: channel,
      body: {},
    });
    assert.equal(approved.statusCode, 200, show(approved));
    const lmns = await t.database.db
      .selectFrom('lmns')
      .select('id')
      .where('session_id', '=', session.id)
      .execute();
    assert.equal(lmns.length, 0);
    const page = await t.app.inject({ method: 'GET', url: session.path });
    assert.match(page.body, /<h1>Approved<\/h1>/, show(page));
  });
});
