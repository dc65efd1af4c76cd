import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PhiCipher } from '../../src/phi/phi.cipher.js';

const secret = Buffer.alloc(32, 7);

describe('PhiCipher (SPEC §2.6)', () => {
  it('round-trips text in a v1:<keyId>:<iv>:<ciphertext> envelope that does not contain the text', () => {
    const cipher = new PhiCipher(secret);
    const sealed = cipher.encrypt('type 2 diabetes since 2015', 'survey_responses.answers:qs_1');
    const parts = sealed.split(':');
    assert.equal(parts.length, 4, sealed);
    assert.equal(parts[0], 'v1');
    assert.equal(parts[1], cipher.keyId);
    assert.match(cipher.keyId, /^[0-9a-f]{12}$/);
    assert.ok(!sealed.includes('diabetes'));
    assert.equal(cipher.decrypt(sealed, 'survey_responses.answers:qs_1'), 'type 2 diabetes since 2015');
  });

  it('uses a fresh IV each time', () => {
    const cipher = new PhiCipher(secret);
    assert.notEqual(cipher.encrypt('same', 'c'), cipher.encrypt('same', 'c'));
  });

  it('refuses a value moved to another row (context is authenticated) or modified', () => {
    const cipher = new PhiCipher(secret);
    const sealed = cipher.encrypt('insomnia', 'survey_responses.answers:qs_1');
    assert.throws(() => cipher.decrypt(sealed, 'survey_responses.answers:qs_2'));
    const parts = sealed.split(':');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    assert.throws(() => cipher.decrypt(parts.join(':'), 'survey_responses.answers:qs_1'));
  });

  it('derives a different key (and key id) from another secret, which cannot open the value', () => {
    const a = new PhiCipher(secret);
    const b = new PhiCipher(Buffer.alloc(32, 9));
    assert.notEqual(a.keyId, b.keyId);
    assert.throws(() => b.decrypt(a.encrypt('x', 'c'), 'c'), /no key/);
  });

  it('round-trips JSON', () => {
    const cipher = new PhiCipher(secret);
    const value = { conditions: ['hypertension'], details: 'é ✓' };
    assert.deepEqual(cipher.decryptJson(cipher.encryptJson(value, 'c'), 'c'), value);
  });
});
