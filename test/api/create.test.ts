import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, json, show, type TestApp, type TestChannel } from '../support/app.js';

const CREATE = '/api/v1/qualification_session/create';
const ALIAS = '/api/v1/create_qualification_session';

// Documented fields the service never fills (SPEC §1.3): null in every answer.
const ALWAYS_NULL = [
  'fee',
  'customer_status',
  'session_type',
  'user_business_id',
  'charge_group_created_at',
  'stripe_invoice_id',
  'stripe_invoice_number',
  'stripe_invoice_paid_at',
];
// SPEC §1.3 — every documented field, in the order the presenter writes them.
const FIELDS = [
  'qualification_session_id',
  'status',
  'created_at',
  'email',
  'expires_at',
  'lmn_reviewed_at',
  'source',
  'user_id',
  'skus_param',
  'eligible_amount',
  ...ALWAYS_NULL,
  'metadata',
  'customer_name',
  'success_url',
  'failure_url',
  'order_items',
  'redirect_url',
  'rejection_reason',
  'livemode',
  'updated_at',
];
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SESSION_ID = /^qs_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('POST /api/v1/qualification_session/create (SPEC §1.4)', () => {
  let t: TestApp;
  let ch: TestChannel;
  before(async () => {
    t = await createTestApp();
    ch = await t.channel();
  });
  after(() => t.close());

  const create = (body: unknown, key: TestChannel = ch, url = CREATE) => t.api('POST', url, { key, body });

  it('creates a pending session with only an idempotency key: every field present, nulls for no value', async () => {
    const res = await create({ idempotency_key: 'minimal' });
    assert.equal(res.statusCode, 200, show(res));
    assert.match(res.headers['content-type'] as string, /^application\/json; charset=utf-8$/);
    assert.equal(res.headers['idempotent-replayed'], undefined);
    const s = json(res);
    assert.deepEqual(Object.keys(s), FIELDS, show(res));
    assert.match(s.qualification_session_id as string, SESSION_ID);
    assert.equal(s.status, 'pending');
    assert.match(s.created_at as string, ISO_MS);
    assert.equal(s.updated_at, s.created_at);
    for (const field of ['email', 'expires_at', 'lmn_reviewed_at', 'source', 'user_id', 'skus_param']) {
      assert.equal(s[field], null, `${field}: ${show(res)}`);
    }
    for (const field of ['eligible_amount', 'metadata', 'customer_name', 'success_url', 'failure_url']) {
      assert.equal(s[field], null, `${field}: ${show(res)}`);
    }
    for (const field of ALWAYS_NULL) assert.equal(s[field], null, field);
    assert.deepEqual(s.order_items, []);
    assert.equal(s.rejection_reason, null);
    assert.equal(s.livemode, false);
    assert.match(
      s.redirect_url as string,
      new RegExp(`^http://qualify\\.test/q/${s.qualification_session_id}\\?t=[A-Za-z0-9_-]+$`),
    );
  });

  it('stores and returns every supplied field; skus_param joins the order item SKUs', async () => {
    const body = {
      idempotency_key: 'full',
      order_items: [
        { sku: 'VIT-D', name: 'Vitamin D', price: 1299, quantity: 2 },
        { sku: 'MAT-1', price: 4000 },
        { sku: 'NONAME' },
      ],
      success_url: 'https://shop.example/ok?x=1',
      failure_url: 'http://shop.example/ko',
      user_id: 'user-42',
      email: 'Ann@Example.com',
      customer_name: 'Ann Smith',
      source: 'checkout',
      metadata: '{"cart":"c_1"}',
    };
    const res = await create(body);
    assert.equal(res.statusCode, 200, show(res));
    const s = json(res);
    assert.equal(s.email, 'Ann@Example.com');
    assert.equal(s.user_id, 'user-42');
    assert.equal(s.customer_name, 'Ann Smith');
    assert.equal(s.source, 'checkout');
    assert.equal(s.metadata, '{"cart":"c_1"}');
    assert.equal(s.success_url, 'https://shop.example/ok?x=1');
    assert.equal(s.failure_url, 'http://shop.example/ko');
    assert.equal(s.skus_param, 'VIT-D,MAT-1,NONAME');
    assert.deepEqual(s.order_items, [
      { sku: 'VIT-D', name: 'Vitamin D', price: 1299, quantity: 2 },
      { sku: 'MAT-1', name: null, price: 4000, quantity: 1 },
      { sku: 'NONAME', name: null, price: null, quantity: 1 },
    ]);
    assert.equal(s.eligible_amount, null, 'eligible_amount is set only on approval');

    const fetched = await t.api('GET', `/api/v1/qualification_session/${s.qualification_session_id}`, {
      key: ch,
    });
    assert.equal(fetched.statusCode, 200, show(fetched));
    assert.deepEqual(json(fetched), s);
  });

  it('accepts explicit nulls for every nullable field', async () => {
    const res = await create({
      idempotency_key: 'nulls',
      success_url: null,
      failure_url: null,
      user_id: null,
      email: null,
      customer_name: null,
      source: null,
      metadata: null,
    });
    assert.equal(res.statusCode, 200, show(res));
    assert.equal(json(res).email, null);
  });

  it('never exposes health data or internal columns', async () => {
    const res = await create({ idempotency_key: 'no-phi', email: 'a@b.co' });
    const text = res.body;
    for (const word of ['answers', 'conditions', 'notes', 'lmn_text', 'shopper_state', 'search_text']) {
      assert.ok(!text.includes(word), `body mentions ${word}: ${text}`);
    }
    assert.ok(!text.includes('sales_channel_id'), text);
  });

  it('answers on the alias path with the same handler', async () => {
    const res = await create({ idempotency_key: 'alias', email: 'alias@example.com' }, ch, ALIAS);
    assert.equal(res.statusCode, 200, show(res));
    const s = json(res);
    assert.deepEqual(Object.keys(s), FIELDS);
    assert.equal(s.status, 'pending');
    assert.equal(s.email, 'alias@example.com');
  });

  it('the alias shares the idempotency scope of the main path', async () => {
    const first = await create({ idempotency_key: 'shared-scope' }, ch, CREATE);
    const second = await create({ idempotency_key: 'shared-scope' }, ch, ALIAS);
    assert.equal(second.statusCode, 200, show(second));
    assert.equal(second.body, first.body);
    assert.equal(second.headers['idempotent-replayed'], 'true');
  });

  it('takes customer_email as an alias of email', async () => {
    const res = await create({ idempotency_key: 'cust-email', customer_email: 'c@example.com' });
    assert.equal(res.statusCode, 200, show(res));
    assert.equal(json(res).email, 'c@example.com');
    assert.ok(!('customer_email' in json(res)));

    const both = await create({
      idempotency_key: 'both-same',
      email: 'd@example.com',
      customer_email: 'd@example.com',
    });
    assert.equal(both.statusCode, 200, show(both));
    assert.equal(json(both).email, 'd@example.com');
  });

  it('rejects email and customer_email that differ', async () => {
    const res = await create({
      idempotency_key: 'both-differ',
      email: 'a@example.com',
      customer_email: 'b@example.com',
    });
    assert.equal(res.statusCode, 400, show(res));
    assert.equal(json(res).error, 'ValidationError');
    assert.match(json(res).message as string, /email/);
  });

  it('marks sessions of a live channel livemode: true', async () => {
    const live = await t.channel({ live: true });
    const res = await create({ idempotency_key: 'live' }, live);
    assert.equal(res.statusCode, 200, show(res));
    assert.equal(json(res).livemode, true);
  });

  describe('validation: every limit is a 400 ValidationError naming the field', () => {
    const long = (n: number) => 'x'.repeat(n);
    const url = (n: number) => `https://shop.example/${'p'.repeat(n - 'https://shop.example/'.length)}`;
    /** A one-item order whose item has `fields` besides its SKU. */
    const item = (fields: Record<string, unknown>) => ({ order_items: [{ sku: 'A', ...fields }] });
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['missing idempotency_key', {}, 'idempotency_key is required'],
      ['empty idempotency_key', { idempotency_key: '' }, 'idempotency_key must not be empty'],
      [
        'idempotency_key over 255',
        { idempotency_key: long(256) },
        'idempotency_key must be at most 255 characters',
      ],
      ['idempotency_key not a string', { idempotency_key: 5 }, 'idempotency_key must be a string'],
      ['user_id over 255', { user_id: long(256) }, 'user_id must be at most 255 characters'],
      ['user_id wrong type', { user_id: 7 }, 'user_id must be a string or null'],
      ['email over 254', { email: `${long(250)}@example.com` }, 'email must be at most 254 characters'],
      ['email not an email', { email: 'not-an-email' }, 'email must be an email address'],
      ['customer_email not an email', { customer_email: 'nope' }, 'customer_email must be an email address'],
      [
        'customer_name over 255',
        { customer_name: long(256) },
        'customer_name must be at most 255 characters',
      ],
      ['source over 255', { source: long(256) }, 'source must be at most 255 characters'],
      ['metadata over 4096', { metadata: long(4097) }, 'metadata must be at most 4096 characters'],
      ['metadata not a string', { metadata: { a: 1 } }, 'metadata must be a string or null'],
      ['success_url over 2048', { success_url: url(2049) }, 'success_url must be at most 2048 characters'],
      ['success_url relative', { success_url: '/ok' }, 'success_url must be an absolute http or https URL'],
      [
        'failure_url not http(s)',
        { failure_url: 'ftp://shop.example/x' },
        'failure_url must be an absolute http or https URL',
      ],
      [
        'failure_url javascript:',
        { failure_url: 'javascript:alert(1)' },
        'failure_url must be an absolute http or https URL',
      ],
      ['order_items not an array', { order_items: 'A,B' }, 'order_items must be an array'],
      [
        'order_items over 100',
        { order_items: Array.from({ length: 101 }, (_, i) => ({ sku: `S${i}` })) },
        'order_items must have at most 100 items',
      ],
      ['sku missing', { order_items: [{ name: 'x' }] }, 'order_items[0].sku is required'],
      ['sku empty', { order_items: [{ sku: '' }] }, 'order_items[0].sku must not be empty'],
      [
        'sku over 255',
        { order_items: [{ sku: long(256) }] },
        'order_items[0].sku must be at most 255 characters',
      ],
      [
        'name over 255',
        { order_items: [{ sku: 'A' }, { sku: 'B', name: long(256) }] },
        'order_items[1].name must be at most 255 characters',
      ],
      ['price negative', item({ price: -1 }), 'order_items[0].price must be at least 0'],
      ['price not integer', item({ price: 12.5 }), 'order_items[0].price must be an integer or null'],
      ['price as text', item({ price: '100' }), 'order_items[0].price must be an integer or null'],
      ['quantity zero', item({ quantity: 0 }), 'order_items[0].quantity must be at least 1'],
      ['unknown item field', item({ colour: 'red' }), 'order_items[0].colour is not a recognised field'],
      ['unknown body field', { emial: 'typo@example.com' }, 'emial is not a recognised field'],
      ['status is not writable', { status: 'approved' }, 'status is not a recognised field'],
    ];
    for (const [name, extra, message] of cases) {
      it(name, async () => {
        const body = name === 'missing idempotency_key' ? extra : { idempotency_key: `v-${name}`, ...extra };
        const res = await create(body);
        assert.equal(res.statusCode, 400, show(res));
        const err = json(res);
        assert.deepEqual(Object.keys(err), ['error', 'message', 'request_id']);
        assert.equal(err.error, 'ValidationError', show(res));
        assert.equal(err.message, message, show(res));
        assert.equal(err.request_id, res.headers['x-request-id']);
      });
    }

    it('accepts every value exactly at its limit', async () => {
      const res = await create({
        idempotency_key: long(255),
        user_id: long(255),
        email: `${long(64)}@${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(60)}.com`.slice(0, 254),
        customer_name: long(255),
        source: long(255),
        metadata: long(4096),
        success_url: url(2048),
        failure_url: url(2048),
        order_items: Array.from({ length: 100 }, (_, i) => ({
          sku: `${i}`.padEnd(255, 's'),
          name: long(255),
          price: 0,
          quantity: 1,
        })),
      });
      assert.equal(res.statusCode, 200, show(res));
      assert.equal((json(res).order_items as unknown[]).length, 100);
    });

    it('a body that is not a JSON object is a 400', async () => {
      for (const body of ['[]', '"text"', '42', 'null']) {
        const res = await create(body);
        assert.equal(res.statusCode, 400, `${body}: ${show(res)}`);
        assert.equal(json(res).error, 'ValidationError');
      }
    });

    it('a rejected create leaves nothing behind (no session, the key stays free)', async () => {
      const own = await t.channel();
      const bad = await create({ idempotency_key: 'later-valid', user_id: long(256) }, own);
      assert.equal(bad.statusCode, 400, show(bad));
      const good = await create({ idempotency_key: 'later-valid' }, own);
      assert.equal(good.statusCode, 200, show(good));
      assert.equal(good.headers['idempotent-replayed'], undefined);
      const list = await t.api('GET', '/api/v1/qualification_sessions', { key: own });
      assert.equal(json<{ pagination: { total_count: number } }>(list).pagination.total_count, 1);
    });
  });
});
