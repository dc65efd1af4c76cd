import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeferredCompiles } from '../../src/http/deferred-compiles.js';

type Validate = ((data: unknown) => boolean) & { errors?: Array<{ keyword: string }> | null };

const route = (schema: unknown, httpPart = 'body') =>
  ({ schema, httpPart, method: 'POST', url: '/x' }) as never;
const OBJECT = {
  type: 'object',
  properties: { count: { type: 'integer', minimum: 1 } },
  required: ['count'],
  additionalProperties: false,
};
const firstKeyword = (validate: Validate) => validate.errors?.[0]?.keyword;
// Ajv refuses it: `type` names no JSON type.
const BROKEN = { type: 'object', properties: { count: { type: 'numbr' } } };

// issue 9 item 3 — validators and serializers are compiled on first use or in the background once listening.
describe('deferred compiles', () => {
  it('validates like Ajv on first use, with the errors on the function', () => {
    const validate = new DeferredCompiles().validatorCompiler()(route(OBJECT)) as Validate;
    assert.equal(validate({ count: 2 }), true);
    assert.equal(validate.errors, null);
    assert.equal(validate({ count: 0 }), false);
    assert.equal(firstKeyword(validate), 'minimum', JSON.stringify(validate.errors));
    assert.equal(validate({ count: 2, extra: 1 }), false);
    assert.equal(firstKeyword(validate), 'additionalProperties', JSON.stringify(validate.errors));
  });

  it('coerces query strings and not bodies, as the eager compiler does', () => {
    const compiler = new DeferredCompiles().validatorCompiler();
    const query = { count: '3' };
    assert.equal((compiler(route(OBJECT, 'querystring')) as Validate)(query), true);
    assert.deepEqual(query, { count: 3 });
    assert.equal((compiler(route(OBJECT, 'body')) as Validate)({ count: '3' }), false);
  });

  it('compiles nothing up front; compileRest reports a schema Ajv rejects, once', async () => {
    const deferred = new DeferredCompiles();
    const compiler = deferred.validatorCompiler();
    const broken = compiler(route(BROKEN)) as Validate;
    const fine = compiler(route(OBJECT)) as Validate;
    const errors: unknown[] = [];
    await deferred.compileRest((error) => errors.push(error));
    assert.equal(errors.length, 1, String(errors));
    assert.match(String(errors[0]), /schema is invalid: data\/properties\/count\/type/);
    // Its requests fail (Fastify answers 500) rather than pass unvalidated.
    assert.throws(() => broken({ count: 1 }), /schema is invalid|numbr/);
    assert.equal(fine({ count: 1 }), true);
    const again: unknown[] = [];
    await deferred.compileRest((error) => again.push(error));
    assert.deepEqual(again, []);
  });

  it('serializes responses with fast-json-stringify, compiled on first use', () => {
    const deferred = new DeferredCompiles();
    const build = deferred.schemaController().compilersFactory?.buildSerializer;
    assert.ok(build);
    const serialize = build(
      undefined,
      undefined,
    )({
      schema: { type: 'object', properties: { id: { type: 'string' }, n: { type: 'integer' } } },
      method: 'GET',
      url: '/x',
      httpStatus: '200',
    } as never);
    // The schema decides what is written: unknown fields are dropped, as Fastify does.
    assert.equal(serialize({ id: 'a', n: 2, secret: 'x' }), '{"id":"a","n":2}');
  });
});
