import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { canonicalJson, requestFingerprint } from '../../src/lib/canonical-json.js';

describe('canonical JSON and the request fingerprint (SPEC §1.8)', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }),
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
  });

  it('drops undefined members like JSON does, keeps null', () => {
    assert.equal(canonicalJson({ a: undefined, b: null }), '{"b":null}');
  });

  it('is independent of key insertion order (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        return canonicalJson(object) === canonicalJson(reversed);
      }),
    );
  });

  it('round-trips: parsing the canonical text gives an equal value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        return canonicalJson(JSON.parse(text)) === text;
      }),
    );
  });

  it('fingerprint = SHA-256 hex of the canonical body without idempotency_key', () => {
    const fingerprint = requestFingerprint({ idempotency_key: 'k', user_id: 'u', metadata: null });
    assert.equal(fingerprint, createHash('sha256').update('{"metadata":null,"user_id":"u"}').digest('hex'));
    assert.equal(fingerprint, requestFingerprint({ metadata: null, user_id: 'u', idempotency_key: 'other' }));
    assert.notEqual(fingerprint, requestFingerprint({ idempotency_key: 'k', user_id: 'u' }));
    assert.equal(
      requestFingerprint({ idempotency_key: 'k' }),
      createHash('sha256').update('{}').digest('hex'),
    );
  });
});
