import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import { compileExactSerializer } from '../../src/http/exact-serializer.js';
import {
  ErrorResponse,
  ListSessionsResponse,
  QualificationSession,
} from '../../src/sessions/sessions.schemas.js';

/** fast-json-stringify as Fastify builds it: the reference and the fallback. */
const fjs = (schema: unknown) =>
  SerializerSelector()(undefined, undefined)({
    schema,
    method: 'GET',
    url: '/x',
    httpStatus: '200',
  } as never) as (data: unknown) => string;

const session = (overrides: Record<string, unknown> = {}) => ({
  qualification_session_id: 'qs_1',
  status: 'approved',
  created_at: '2026-11-28T12:00:00.000Z',
  email: 'ann@example.com',
  expires_at: null,
  lmn_reviewed_at: '2026-11-29T12:00:00.000Z',
  source: null,
  user_id: 'user "quoted" \\ \n \u2028 \ud800 é',
  skus_param: null,
  eligible_amount: 12_345,
  fee: null,
  customer_status: null,
  session_type: null,
  user_business_id: null,
  charge_group_created_at: null,
  stripe_invoice_id: null,
  stripe_invoice_number: null,
  stripe_invoice_paid_at: null,
  metadata: '{"order":1}',
  customer_name: 'Ann',
  success_url: null,
  failure_url: 'https://shop.example/fail',
  order_items: [
    { sku: 'a', name: null, price: 500, quantity: 2 },
    { sku: 'b', name: 'B', price: null, quantity: 1 },
  ],
  redirect_url: 'http://qualify.test/q/qs_1?t=x',
  rejection_reason: null,
  livemode: false,
  updated_at: '2026-11-29T12:00:00.000Z',
  ...overrides,
});

// Issue 9 item 4 — the exact-shape serializer writes what fast-json-stringify writes, or leaves
// the value to it.
describe('exact-shape response serializer', () => {
  const reference = fjs(QualificationSession);
  const exact = compileExactSerializer(QualificationSession);

  it('compiles the session and list schemas and writes the same bytes as fast-json-stringify', () => {
    assert.ok(exact, 'the session schema is a plain shape');
    const noFallback = () => assert.fail('no fallback for a value that fits');
    for (const value of [
      session(),
      session({ status: 'rejected', rejection_reason: 'clinician_declined', livemode: true }),
    ]) {
      assert.equal(exact(value, noFallback), reference(value));
      assert.deepEqual(JSON.parse(exact(value, noFallback)), JSON.parse(reference(value)));
    }
    const list = compileExactSerializer(ListSessionsResponse);
    assert.ok(list);
    const page = {
      qualification_sessions: [session(), session({ qualification_session_id: 'qs_2', order_items: [] })],
      pagination: { current_page: 1, page_size: 30, total_count: 2, count: 2, last_page: 1 },
    };
    assert.equal(list(page, noFallback), fjs(ListSessionsResponse)(page));
    const empty = { qualification_sessions: [], pagination: page.pagination };
    assert.equal(list(empty, noFallback), fjs(ListSessionsResponse)(empty));
  });

  it('writes declared properties only, in schema order', () => {
    assert.ok(exact);
    const written = JSON.parse(exact({ secret: 'x', ...session(), sealed_notes: 'y' }, () => 'fallback'));
    assert.deepEqual(Object.keys(written), Object.keys(QualificationSession.properties));
  });

  it('hands values that do not fit to fast-json-stringify', () => {
    assert.ok(exact);
    let fellBack = 0;
    const fallback = (data: unknown) => {
      fellBack += 1;
      return reference(data);
    };
    // A Date where a string is declared: fast-json-stringify writes its ISO form.
    const date = session({ created_at: new Date(Date.UTC(2026, 0, 2)) });
    assert.equal(exact(date, fallback), reference(date));
    assert.match(exact(date, fallback), /"created_at":"2026-01-02T00:00:00.000Z"/);
    // A status outside the enum: written as fast-json-stringify writes it.
    const bogus = session({ status: 'bogus' });
    assert.equal(exact(bogus, fallback), reference(bogus));
    // A string where a nullable integer is declared: refused by both.
    const text = session({ eligible_amount: '7' });
    assert.throws(() => reference(text), /eligible_amount/);
    assert.throws(() => exact(text, fallback), /eligible_amount/);
    // A missing required property: fast-json-stringify refuses it, and so does the serializer.
    const { status: _status, ...missing } = session();
    assert.throws(() => reference(missing), /status/);
    assert.throws(() => exact(missing, fallback), /status/);
    assert.equal(fellBack, 5);
  });

  it('writes optional properties only when present, with the right commas', () => {
    const schema = {
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'integer' }, c: { type: 'boolean' } },
      required: ['b'],
    };
    const serialize = compileExactSerializer(schema);
    assert.ok(serialize);
    const fail = () => assert.fail('no fallback');
    for (const value of [{ b: 1 }, { a: 'x', b: 1 }, { b: 1, c: true }, { a: 'x', b: 2, c: false }]) {
      assert.equal(serialize(value, fail), fjs(schema)(value), JSON.stringify(value));
    }
    const onlyOptional = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer' } } };
    const optional = compileExactSerializer(onlyOptional);
    assert.ok(optional);
    for (const value of [{}, { a: 'x' }, { b: 3 }, { a: 'x', b: 3 }]) {
      assert.equal(optional(value, fail), fjs(onlyOptional)(value), JSON.stringify(value));
    }
  });

  it('leaves other shapes to fast-json-stringify', () => {
    assert.equal(compileExactSerializer({ $ref: 'Error#' }), undefined);
    assert.equal(compileExactSerializer({ type: 'object', additionalProperties: true }), undefined);
    assert.equal(compileExactSerializer({ type: 'object', patternProperties: { x: {} } }), undefined);
    assert.equal(compileExactSerializer({ oneOf: [{ type: 'string' }, { type: 'null' }] }), undefined);
    assert.equal(compileExactSerializer({}), undefined);
    assert.ok(compileExactSerializer(ErrorResponse), 'the error body is a plain shape');
  });
});
