import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createTestApp, json, show, type TestApp, type TestChannel } from '../support/app.js';
import { createSession, postForm, submitSurvey } from '../support/shopper.js';

/**
 * Issue 13 item 6 — non-ASCII redirect URLs are accepted and the shopper is redirected to their
 * percent-encoded (punycode host) form; URLs the URL parser refuses are a 400 at the API; a
 * stored URL that cannot be redirected to leaves the submission whole (the shopper sees the
 * page); amounts stay exact integers of cents.
 */
const CREATE = '/api/v1/qualification_session/create';

const REDIRECTS: Array<{ given: string; location: (id: string) => string }> = [
  {
    given: 'https://bücher.example/danké?x=é',
    location: () => 'https://xn--bcher-kva.example/dank%C3%A9?x=%C3%A9',
  },
  {
    given: 'https://shop.example/€/{{qualification_session_id}}?back=✓',
    location: (id) => `https://shop.example/%E2%82%AC/${id}?back=%E2%9C%93`,
  },
  { given: 'https://shop.example/merci#😀', location: () => 'https://shop.example/merci#%F0%9F%98%80' },
  {
    given: 'HTTPS://Shop.Example:443/Ünïcode%20ok?q={{qualification_session_id}}',
    location: (id) => `https://shop.example/%C3%9Cn%C3%AFcode%20ok?q=${id}`,
  },
];

const REFUSED_URLS = [
  'https://[::1/x',
  'https://xn--a/',
  'https://exa%zzmple/',
  'http://shop.example:99999/',
  'https://ex ample/',
  'ftp://shop.example/',
];

describe('non-ASCII redirect URLs and exact amounts (issue 13 item 6)', () => {
  let t: TestApp;
  let channel: TestChannel;
  before(async () => {
    t = await createTestApp();
    channel = await t.channel();
  });
  after(() => t.close());

  const retrieve = async (id: string) =>
    json(await t.api('GET', `/api/v1/qualification_session/${id}`, { key: channel }));

  for (const { given, location } of REDIRECTS) {
    it(`accepts ${given}, returns it as given, and redirects to its ASCII form`, async () => {
      const session = await createSession(t, channel, { success_url: given, failure_url: given });
      assert.equal(session.body.success_url, given);
      const declined = await postForm(t, `/q/${session.id}`, { t: session.token, action: 'decline' });
      assert.equal(declined.statusCode, 303, show(declined));
      assert.equal(declined.headers.location, location(session.id));
      const submitted = await submitSurvey(t, session);
      assert.equal(submitted.statusCode, 303, show(submitted));
      assert.equal(submitted.headers.location, location(session.id));
      const stored = await retrieve(session.id);
      assert.equal(stored.status, 'processing', JSON.stringify(stored));
      assert.equal(stored.success_url, given);
    });
  }

  it('refuses a URL the URL parser does not accept, on create and on update', async () => {
    const session = await createSession(t, channel);
    for (const url of REFUSED_URLS) {
      for (const field of ['success_url', 'failure_url']) {
        const created = await t.api('POST', CREATE, {
          key: channel,
          body: { idempotency_key: randomUUID(), [field]: url },
        });
        assert.equal(created.statusCode, 400, `${field}=${url}: ${show(created)}`);
        assert.deepEqual(
          json(created),
          {
            error: 'ValidationError',
            message: `${field} must be an absolute http or https URL`,
            request_id: json(created).request_id,
          },
          show(created),
        );
        const updated = await t.api('POST', `/api/v1/qualification_session/${session.id}/update`, {
          key: channel,
          body: { idempotency_key: randomUUID(), [field]: url },
        });
        assert.equal(updated.statusCode, 400, `${field}=${url}: ${show(updated)}`);
      }
    }
  });

  it('keeps the submission whole when a stored URL cannot be redirected to: the shopper sees the page', async () => {
    const session = await createSession(t, channel, { success_url: 'https://shop.example/ok' });
    // A URL stored before the API checked it (written straight into the row).
    const { sessions } = t.services.repositories;
    const row = await sessions.find(t.database.db, session.id);
    assert.ok(row);
    await sessions.update(t.database.db, row, {
      success_url: 'https://[::1/€',
      failure_url: 'https://[::1/€',
      updated_at: row.updated_at,
    });
    const declined = await postForm(t, `/q/${session.id}`, { t: session.token, action: 'decline' });
    assert.equal(declined.statusCode, 200, show(declined));
    const submitted = await submitSurvey(t, session);
    assert.equal(submitted.statusCode, 200, show(submitted));
    assert.equal(submitted.headers.location, undefined);
    const stored = await retrieve(session.id);
    assert.equal(stored.status, 'processing', JSON.stringify(stored));
    assert.ok(await t.services.survey.answers(session.id), 'the answers are stored');
  });

  describe('amounts', () => {
    const MAX = Number.MAX_SAFE_INTEGER; // 9007199254740991 cents
    /** 90 × 10^14 + 71992 × 10^8 + 54740991 = 2^53 − 1, within the per-item bounds. */
    const atTheLimit = (lastPrice: number) => [
      ...Array.from({ length: 90 }, (_, i) => ({ sku: `BIG-${i}`, price: 1_000_000_000, quantity: 100_000 })),
      { sku: 'MID', price: 100_000_000, quantity: 71_992 },
      { sku: 'LAST', price: lastPrice, quantity: 1 },
    ];

    const CASES: Array<{ name: string; items: unknown[]; total: number | null }> = [
      { name: 'the largest exact total, 2^53 − 1', items: atTheLimit(54_740_991), total: MAX },
      { name: 'one cent over', items: atTheLimit(54_740_992), total: null },
      {
        name: '100 items at the largest price and quantity',
        items: Array.from({ length: 100 }, (_, i) => ({
          sku: `S${i}`,
          price: 1_000_000_000,
          quantity: 100_000,
        })),
        total: null,
      },
      {
        name: 'one item at the largest price and quantity',
        items: [{ sku: 'ONE', price: 1_000_000_000, quantity: 100_000 }],
        total: 100_000_000_000_000,
      },
      {
        name: 'items without a price',
        items: [{ sku: 'FREE' }, { sku: 'P', price: 5, quantity: 3 }],
        total: 15,
      },
    ];

    for (const { name, items, total } of CASES) {
      it(`${name}: ${total === null ? '400' : `eligible_amount ${total} exactly`}`, async () => {
        const created = await t.api('POST', CREATE, {
          key: channel,
          body: { idempotency_key: randomUUID(), order_items: items },
        });
        if (total === null) {
          assert.equal(created.statusCode, 400, show(created));
          assert.equal(
            json(created).message,
            `order_items total (price × quantity, summed) must be at most ${MAX} cents`,
            show(created),
          );
          return;
        }
        assert.equal(created.statusCode, 200, show(created));
        const id = String(json(created).qualification_session_id);
        for (const step of ['submit', 'approve']) {
          const response = await t.api('POST', `/api/v1/test_helpers/qualification_session/${id}/${step}`, {
            key: channel,
          });
          assert.equal(response.statusCode, 200, `${step}: ${show(response)}`);
        }
        const stored = await retrieve(id);
        assert.equal(stored.status, 'approved', JSON.stringify(stored));
        assert.equal(stored.eligible_amount, total, JSON.stringify(stored.eligible_amount));
        // Exact on the wire too: the digits, not a rounded float.
        const raw = (await t.api('GET', `/api/v1/qualification_session/${id}`, { key: channel })).body;
        assert.match(raw, new RegExp(`"eligible_amount":${total}[,}]`));
      });
    }
  });
});
