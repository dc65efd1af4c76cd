import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { parseSignatureHeader, verifyWebhook } from 'qualify';

// Signatures made here from the spec text (SPEC §3.3), not by the production signer.
const sign = (secret: string, t: number, body: string) =>
  createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');

describe('verifyWebhook, the merchant-facing verifier (lib/verify-webhook.mjs)', () => {
  const secret = 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTMy';
  const rotated = 'whsec_bmV3LXNlY3JldC1uZXctc2VjcmV0LW5ldy0zMg==';
  const body = '{"webhook_delivery_id":"wd_1","event_type":"qualification_session.complete"}';
  const now = Date.UTC(2026, 10, 28, 12, 0, 0);
  const t = now / 1000;

  it('accepts a valid signature given as a string or a Buffer', () => {
    const header = `t=${t},v1=${sign(secret, t, body)}`;
    assert.equal(verifyWebhook(body, header, secret, { now }), true);
    assert.equal(verifyWebhook(Buffer.from(body), header, secret, { now }), true);
  });

  it('accepts any of several v1 values, and any of several secrets (rotation)', () => {
    const header = `t=${t},v1=${sign(rotated, t, body)},v1=${sign(secret, t, body)}`;
    assert.equal(verifyWebhook(body, header, secret, { now }), true);
    assert.equal(verifyWebhook(body, header, rotated, { now }), true);
    const onlyNew = `t=${t},v1=${sign(rotated, t, body)}`;
    assert.equal(verifyWebhook(body, onlyNew, [secret, rotated], { now }), true);
    assert.equal(verifyWebhook(body, onlyNew, secret, { now }), false);
  });

  it('rejects tampered bodies, other timestamps, stale or future ones, and malformed headers', () => {
    const header = `t=${t},v1=${sign(secret, t, body)}`;
    assert.equal(verifyWebhook(`${body} `, header, secret, { now }), false);
    assert.equal(verifyWebhook(body, header.replace(`t=${t}`, `t=${t + 1}`), secret, { now }), false);
    assert.equal(verifyWebhook(body, header, secret, { now: now + 301_000 }), false);
    assert.equal(verifyWebhook(body, header, secret, { now: now - 301_000 }), false);
    assert.equal(verifyWebhook(body, header, secret, { now: now + 299_000 }), true);
    assert.equal(verifyWebhook(body, header, secret, { now: now + 599_000, toleranceSeconds: 600 }), true);
    assert.equal(verifyWebhook(body, header, secret, { now: now + 2_000, toleranceSeconds: 1 }), false);
    for (const bad of [
      undefined,
      null,
      '',
      'v1=abc',
      `t=${t}`,
      `t=x,v1=${sign(secret, t, body)}`,
      `t=${t},v1=zz`,
    ]) {
      assert.equal(verifyWebhook(body, bad, secret, { now }), false, String(bad));
    }
  });

  it('throws a TypeError only for a missing secret or body', () => {
    assert.throws(() => verifyWebhook(body, 't=1,v1=00', '', {}), TypeError);
    assert.throws(() => verifyWebhook(undefined as never, 't=1,v1=00', secret), TypeError);
  });

  it('refuses a tolerance that would switch replay protection off (issue 13 item 7)', () => {
    // A ten-day-old delivery: with `toleranceSeconds: 0` it used to verify.
    const old = `t=${t},v1=${sign(secret, t, body)}`;
    for (const toleranceSeconds of [0, -1, -300, Number.NaN, Number.POSITIVE_INFINITY, '300' as never]) {
      assert.throws(
        () => verifyWebhook(body, old, secret, { now: now + 10 * 86_400_000, toleranceSeconds }),
        /toleranceSeconds must be a positive number/,
        String(toleranceSeconds),
      );
    }
    assert.equal(verifyWebhook(body, old, secret, { now: now + 10 * 86_400_000 }), false);
  });

  it('parses the header', () => {
    assert.deepEqual(parseSignatureHeader('t=12,v1=' + 'A'.repeat(64) + ',v0=zz'), {
      timestamp: 12,
      signatures: ['a'.repeat(64)],
    });
    assert.equal(parseSignatureHeader('v1=abc'), null);
  });
});
