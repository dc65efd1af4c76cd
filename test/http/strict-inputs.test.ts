import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, json, newSession, show, type TestApp, type TestChannel } from '../support/app.js';
import {
  addClinician,
  cookieHeader,
  cookiesFrom,
  createSession,
  type FormFields,
  formBody,
  hiddenCsrf,
  postForm,
  submitSurvey,
  surveyFields,
} from '../support/shopper.js';

/**
 * Issue 13 item 6 — one text rule on every surface, both engines: a NUL (a 500 on PostgreSQL
 * before), another control character or a lone surrogate is refused with a 400, never stored
 * changed; tab, line breaks, accents and emoji are text and kept exactly.
 */
const BAD_TEXT: Array<{ name: string; text: string; message: RegExp }> = [
  { name: 'NUL', text: 'a\u0000b', message: /must not contain NUL characters/ },
  { name: 'SOH', text: 'a\u0001b', message: /must not contain control characters/ },
  { name: 'ESC', text: 'a\u001bb', message: /must not contain control characters/ },
  { name: 'vertical tab', text: 'a\u000bb', message: /must not contain control characters/ },
  { name: 'DEL', text: 'a\u007fb', message: /must not contain control characters/ },
  { name: 'C1 NEL', text: 'a\u0085b', message: /must not contain control characters/ },
  {
    name: 'lone high surrogate',
    text: 'a\ud800b',
    message: /must be valid Unicode text \(it contains a lone surrogate\)/,
  },
  {
    name: 'lone low surrogate',
    text: 'a\udc00b',
    message: /must be valid Unicode text \(it contains a lone surrogate\)/,
  },
  {
    name: 'surrogates reversed',
    text: '\udc00\ud800',
    message: /must be valid Unicode text \(it contains a lone surrogate\)/,
  },
];
/**
 * Percent-encoding as a client could send it: a lone surrogate as its three UTF-8-style bytes
 * (`%ED%A0%80`), which is what reaches a server (`encodeURIComponent` and browsers would send
 * U+FFFD instead).
 */
function percentEncode(text: string): string {
  return [...text]
    .map((char) => {
      const code = char.charCodeAt(0);
      if (char.length === 1 && code >= 0xd800 && code <= 0xdfff)
        return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
          .map((byte) => `%${byte.toString(16).toUpperCase()}`)
          .join('');
      return encodeURIComponent(char);
    })
    .join('');
}

const GOOD_TEXT = 'tab\there, lines\r\nand\nmore, accents éü, emoji 😀, CJK 漢字';

const CREATE = '/api/v1/qualification_session/create';

describe('strict text inputs (issue 13 item 6)', () => {
  let t: TestApp;
  let channel: TestChannel;
  before(async () => {
    t = await createTestApp();
    channel = await t.channel();
  });
  after(() => t.close());

  const retrieve = async (id: string) =>
    json(await t.api('GET', `/api/v1/qualification_session/${id}`, { key: channel }));

  function assertApiError(response: LightMyRequestResponse, message: RegExp, what: string): void {
    assert.equal(response.statusCode, 400, `${what}: ${show(response)}`);
    const body = json(response);
    assert.deepEqual(
      Object.keys(body).sort(),
      ['error', 'message', 'request_id'],
      `${what}: ${show(response)}`,
    );
    assert.equal(body.error, 'ValidationError', `${what}: ${show(response)}`);
    assert.match(String(body.message), message, `${what}: ${show(response)}`);
  }

  /** A form post whose `field` carries `text` exactly as a client could send it. */
  function postWith(
    url: string,
    fields: FormFields,
    field: string,
    text: string,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    return t.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: `${formBody({ ...fields, [field]: undefined })}&${field}=${percentEncode(text)}`,
    });
  }

  function assertPage400(response: LightMyRequestResponse, what: string): void {
    assert.equal(response.statusCode, 400, `${what}: ${show(response)}`);
    assert.match(String(response.headers['content-type']), /text\/html/, what);
    assert.match(response.body, /cannot be used/, `${what}: ${show(response)}`);
  }

  describe('the merchant API', () => {
    for (const bad of BAD_TEXT) {
      it(`refuses ${bad.name} in a JSON value, a JSON key and a query string`, async () => {
        const value = await t.api('POST', CREATE, {
          key: channel,
          body: { idempotency_key: `bad-${bad.name}`, customer_name: bad.text },
        });
        assertApiError(value, new RegExp(`^customer_name ${bad.message.source}`), 'value');

        const nested = await t.api('POST', CREATE, {
          key: channel,
          body: { idempotency_key: `bad-item-${bad.name}`, order_items: [{ sku: bad.text }] },
        });
        assertApiError(nested, new RegExp(`^order_items.0.sku ${bad.message.source}`), 'nested value');

        const key = await t.api('POST', CREATE, {
          key: channel,
          body: { idempotency_key: `bad-key-${bad.name}`, metadata: 'x', [bad.text]: 1 },
        });
        assertApiError(key, new RegExp(`^a field name in request body ${bad.message.source}`), 'key');

        const query = await t.api('GET', `/api/v1/qualification_sessions?search=${percentEncode(bad.text)}`, {
          key: channel,
        });
        assert.equal(query.statusCode, 400, show(query));
        assert.equal(json(query).error, 'ValidationError', show(query));
      });
    }

    it('keeps tab, line breaks, accents and emoji exactly, on this engine', async () => {
      const created = await newSession(t, channel, { customer_name: GOOD_TEXT, metadata: GOOD_TEXT });
      const stored = await retrieve(String(created.qualification_session_id));
      assert.equal(stored.customer_name, GOOD_TEXT);
      assert.equal(stored.metadata, GOOD_TEXT);
    });

    it('refuses a body that is not UTF-8 and a query string whose % sequences do not decode', async () => {
      const notUtf8 = await t.app.inject({
        method: 'POST',
        url: CREATE,
        headers: { 'content-type': 'application/json', 'x-truemed-api-key': channel.apiKey },
        payload: Buffer.concat([
          Buffer.from('{"idempotency_key":"latin1","customer_name":"caf'),
          Buffer.from([0xe9]),
          Buffer.from('"}'),
        ]),
      });
      assertApiError(notUtf8, /^request body is not valid UTF-8$/, 'latin-1 body');
      // A surrogate written as UTF-8 bytes (CESU-8) is not UTF-8 either.
      const cesu = await t.app.inject({
        method: 'POST',
        url: CREATE,
        headers: { 'content-type': 'application/json', 'x-truemed-api-key': channel.apiKey },
        payload: Buffer.concat([
          Buffer.from('{"idempotency_key":"'),
          Buffer.from([0xed, 0xa0, 0x80]),
          Buffer.from('"}'),
        ]),
      });
      assertApiError(cesu, /^request body is not valid UTF-8$/, 'CESU-8 body');
      for (const search of ['%ff', '%ED%A0%80', '50%', '%e9']) {
        const response = await t.api('GET', `/api/v1/qualification_sessions?search=${search}`, {
          key: channel,
        });
        assertApiError(response, /^the query string is not validly percent-encoded$/, search);
      }
      const fine = await t.api('GET', '/api/v1/qualification_sessions?search=%C3%A9%F0%9F%98%80', {
        key: channel,
      });
      assert.equal(fine.statusCode, 200, show(fine));
    });

    it('refuses a NUL or control character in a path parameter', async () => {
      for (const id of ['qs_%00', 'qs_%01', 'qs_%7F']) {
        const response = await t.api('GET', `/api/v1/qualification_session/${id}`, { key: channel });
        assertApiError(response, /^qualification_session_id must not contain/, id);
      }
    });
  });

  describe('the survey form, the console forms and the links', () => {
    for (const bad of BAD_TEXT) {
      it(`answers a 400 page to ${bad.name} in a survey answer, and stores nothing`, async () => {
        const session = await createSession(t, channel);
        for (const field of ['email', 'details', 'state', 'condition']) {
          const response = await postWith(`/q/${session.id}`, surveyFields(session), field, bad.text);
          assertPage400(response, `${field} with ${bad.name}`);
        }
        const stored = await retrieve(session.id);
        assert.equal(stored.status, 'pending', JSON.stringify(stored));
        assert.equal(stored.email, null, JSON.stringify(stored));
        assert.equal(await t.services.survey.answers(session.id), undefined);
      });
    }

    it('answers a 400 page to a form body that is not UTF-8 or whose % sequences do not decode', async () => {
      const session = await createSession(t, channel);
      const valid = formBody({ t: session.token, email: 'shopper@example.com' });
      for (const [what, payload] of [
        ['latin-1 byte', Buffer.concat([Buffer.from(`${valid}&details=caf`), Buffer.from([0xe9])])],
        [
          'CESU-8 surrogate',
          Buffer.concat([Buffer.from(`${valid}&details=`), Buffer.from([0xed, 0xa0, 0x80])]),
        ],
        ['encoded surrogate', Buffer.from(`${valid}&details=%ED%A0%80`)],
        ['broken % sequence', Buffer.from(`${valid}&details=100%`)],
        ['NUL in a field name', Buffer.from(`${valid}&de%00tails=x`)],
      ] as const) {
        const response = await t.app.inject({
          method: 'POST',
          url: `/q/${session.id}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload,
        });
        assertPage400(response, what);
      }
      assert.equal((await retrieve(session.id)).status, 'pending');
    });

    it('stores tab, line breaks, accents and emoji in a survey answer exactly', async () => {
      const session = await createSession(t, channel);
      const response = await submitSurvey(t, session, { details: GOOD_TEXT });
      assert.equal(response.statusCode, 200, show(response));
      const answers = await t.services.survey.answers(session.id);
      assert.equal(answers?.details, GOOD_TEXT);
    });

    it('answers a 400 page to bad text in the console sign-in and decision forms', async () => {
      const clinician = await addClinician(t, ['CA']);
      const form = await t.app.inject({ method: 'GET', url: '/console' });
      const cookie = cookieHeader(cookiesFrom(form));
      for (const bad of BAD_TEXT) {
        const signIn = await postWith(
          '/console/sign-in',
          { _csrf: hiddenCsrf(form.body), password: clinician.password },
          'email',
          `${clinician.email}${bad.text}`,
          { cookie },
        );
        assertPage400(signIn, `sign-in email with ${bad.name}`);
      }
      const signedIn = await postForm(
        t,
        '/console/sign-in',
        { _csrf: hiddenCsrf(form.body), email: clinician.email, password: clinician.password },
        { cookie },
      );
      assert.equal(signedIn.statusCode, 303, show(signedIn));
      const session = await createSession(t, channel);
      assert.equal((await submitSurvey(t, session)).statusCode, 200);
      const agentCookie = cookieHeader({ qualify_console: cookiesFrom(signedIn).qualify_console! });
      const queue = await t.app.inject({
        method: 'GET',
        url: '/console/queue',
        headers: { cookie: agentCookie },
      });
      const csrf = hiddenCsrf(queue.body);
      for (const bad of BAD_TEXT) {
        const reject = await postWith(
          `/console/sessions/${session.id}/reject`,
          { _csrf: csrf, reason: 'other' },
          'note',
          bad.text,
          { cookie: agentCookie },
        );
        assertPage400(reject, `decision note with ${bad.name}`);
      }
      assert.equal((await retrieve(session.id)).status, 'processing');
    });

    for (const bad of BAD_TEXT) {
      it(`answers a 400 page to ${bad.name} in the link's ?source= and ?skus=, in a path, and fills nothing`, async () => {
        const session = await createSession(t, channel);
        const encoded = percentEncode(bad.text);
        for (const url of [
          `${session.path}&source=${encoded}`,
          `${session.path}&skus=${encoded}`,
          `/verify/${encoded}`,
          `/console/sessions/${encoded}`,
        ]) {
          const response = await t.app.inject({ method: 'GET', url });
          if (url.startsWith('/q/')) assertPage400(response, url);
          else {
            // A bad path is refused by the router (undecodable) or by the text rule: a 400 either way.
            assert.equal(response.statusCode, 400, `${url}: ${show(response)}`);
          }
        }
        const stored = await retrieve(session.id);
        assert.equal(stored.source, null, JSON.stringify(stored));
        assert.equal(stored.skus_param, null, JSON.stringify(stored));
      });
    }

    it('fills ?source= and ?skus= with accents and emoji exactly', async () => {
      const session = await createSession(t, channel);
      const response = await t.app.inject({
        method: 'GET',
        url: `${session.path}&source=${encodeURIComponent('Brochure été 😀')}&skus=${encodeURIComponent('VIT-D,ÖL')}`,
      });
      assert.equal(response.statusCode, 200, show(response));
      const stored = await retrieve(session.id);
      assert.equal(stored.source, 'Brochure été 😀');
      assert.equal(stored.skus_param, 'VIT-D,ÖL');
    });
  });
});
