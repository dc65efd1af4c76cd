import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeValidationError, validatorCompiler } from '../../src/http/validation.js';
import {
  CreateSessionBody,
  ListSessionsQuery,
  UpdateSessionBody,
} from '../../src/sessions/sessions.schemas.js';

type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };

function messageFor(schema: unknown, httpPart: string, data: unknown): string | undefined {
  const validate = validatorCompiler({ schema, httpPart, method: 'POST', url: '/' } as never) as Validate;
  if (validate(data)) return undefined;
  return describeValidationError((validate.errors ?? [])[0] as never, httpPart);
}

describe('validation messages name the field (SPEC §1.2)', () => {
  const body = (data: unknown) => messageFor(CreateSessionBody, 'body', data);
  const update = (data: unknown) => messageFor(UpdateSessionBody, 'body', data);
  const query = (data: unknown) => messageFor(ListSessionsQuery, 'querystring', data);

  it('limits', () => {
    assert.equal(
      body({ idempotency_key: 'k', user_id: 'x'.repeat(256) }),
      'user_id must be at most 255 characters',
    );
    assert.equal(
      body({ idempotency_key: 'x'.repeat(256) }),
      'idempotency_key must be at most 255 characters',
    );
    assert.equal(
      update({ idempotency_key: 'k', metadata: 'm'.repeat(4097) }),
      'metadata must be at most 4096 characters',
    );
    assert.equal(body({ idempotency_key: '' }), 'idempotency_key must not be empty');
    assert.equal(
      body({ idempotency_key: 'k', order_items: [{ sku: 'a', quantity: 0 }] }),
      'order_items[0].quantity must be at least 1',
    );
  });

  it('required, unknown and mistyped fields', () => {
    // The key may come in the Idempotency-Key header instead; the route requires one of the two
    // (test/api/aliases.test.ts).
    assert.equal(body({}), undefined);
    assert.equal(update({ idempotency_key: 'k', status: 'approved' }), 'status is not a recognised field');
    assert.equal(body({ idempotency_key: 'k', user_id: 1 }), 'user_id must be a string or null');
    assert.equal(body([]), 'request body must be a JSON object');
    assert.equal(body({ idempotency_key: 'k', order_items: [{}] }), 'order_items[0].sku is required');
  });

  it('formats and patterns use the schema’s own wording', () => {
    assert.equal(body({ idempotency_key: 'k', email: 'no' }), 'email must be an email address');
    assert.equal(
      body({ idempotency_key: 'k', success_url: 'ftp://x.example' }),
      'success_url must be an absolute http or https URL',
    );
    assert.equal(query({ expires_at: '2026-1-1' }), 'expires_at must be a date as YYYY-MM-DD');
  });

  it('query strings are coerced, bodies are not', () => {
    assert.equal(query({ page: '2', page_size: '10' }), undefined);
    assert.equal(query({ page: '0' }), 'page must be at least 1');
    assert.equal(query({ page_size: '500' }), 'page_size must be at most 100');
    assert.equal(query({ other: '1' }), 'other is not a recognised field');
    assert.equal(
      body({ idempotency_key: 'k', order_items: [{ sku: 'a', price: '100' }] }),
      'order_items[0].price must be an integer or null',
    );
  });

  it('valid input passes', () => {
    assert.equal(
      body({ idempotency_key: 'k', email: 'a@example.com', order_items: [{ sku: 'A' }] }),
      undefined,
    );
    assert.equal(
      update({ idempotency_key: 'k', user_id: null, success_url: 'https://shop.example/ok' }),
      undefined,
    );
  });
});
