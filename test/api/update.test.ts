import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/lib/clock.js';
import { createTestApp, json, newSession, show, type TestApp, type TestChannel } from '../support/app.js';

describe('POST /api/v1/qualification_session/{id}/update (SPEC §1.7)', () => {
  let t: TestApp;
  let ch: TestChannel;
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 9, 0, 0));
  before(async () => {
    t = await createTestApp({ clock });
    ch = await t.channel();
  });
  after(() => t.close());

  const update = (id: string, body: unknown, key: TestChannel = ch) =>
    t.api('POST', `/api/v1/qualification_session/${id}/update`, { key, body });
  async function retrieve(id: string): Promise<Record<string, unknown>> {
    const res = await t.api('GET', `/api/v1/qualification_session/${id}`, { key: ch });
    assert.equal(res.statusCode, 200, show(res));
    return json(res);
  }
  async function helper(id: string, action: string) {
    const res = await t.api('POST', `/api/v1/test_helpers/qualification_session/${id}/${action}`, {
      key: ch,
      body: {},
    });
    assert.equal(res.statusCode, 200, show(res));
  }

  it('answers exactly {qualification_session_id, status} with the current status', async () => {
    const s = await newSession(t, ch);
    const id = s.qualification_session_id as string;
    const res = await update(id, { idempotency_key: 'update-session-20240601-001' });
    assert.equal(res.statusCode, 200, show(res));
    assert.equal(res.body, JSON.stringify({ qualification_session_id: id, status: 'pending' }));
    assert.match(res.headers['content-type'] as string, /^application\/json; charset=utf-8$/);
    assert.equal(res.headers['idempotent-replayed'], undefined);
    await helper(id, 'submit');
    const after = await update(id, { idempotency_key: 'second' });
    assert.deepEqual(json(after), { qualification_session_id: id, status: 'processing' });
  });

  it('an empty update changes nothing, not even updated_at', async () => {
    const s = await newSession(t, ch, { metadata: 'm' });
    const id = s.qualification_session_id as string;
    clock.advance(5000);
    const res = await update(id, { idempotency_key: 'noop' });
    assert.equal(res.statusCode, 200, show(res));
    assert.deepEqual(await retrieve(id), s);
  });

  describe('rule 1: auth, then the session must exist for this channel', () => {
    it('404 for an unknown session even when the body is invalid', async () => {
      const res = await update('qs_00000000-0000-4000-8000-000000000000', { status: 'approved' });
      assert.equal(res.statusCode, 404, show(res));
      assert.equal(json(res).error, 'NotFound');
      const noBody = await update('qs_00000000-0000-4000-8000-000000000000', '{not json');
      assert.equal(noBody.statusCode, 404, show(noBody));
    });

    it("404 for another channel's session, which stays unchanged", async () => {
      const s = await newSession(t, ch);
      const other = await t.channel();
      const res = await update(
        s.qualification_session_id as string,
        { idempotency_key: 'x', user_id: 'thief' },
        other,
      );
      assert.equal(res.statusCode, 404, show(res));
      assert.equal((await retrieve(s.qualification_session_id as string)).user_id, null);
    });

    it('401 comes before 404', async () => {
      const res = await t.api('POST', '/api/v1/qualification_session/qs_nope/update', {
        body: { idempotency_key: 'x' },
      });
      assert.equal(res.statusCode, 401, show(res));
    });
  });

  describe('rule 2: body validation (400), unknown and read-only fields rejected', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['status', { idempotency_key: 'k', status: 'approved' }, 'status is not a recognised field'],
      ['email', { idempotency_key: 'k', email: 'a@b.co' }, 'email is not a recognised field'],
      ['expires_at', { idempotency_key: 'k', expires_at: null }, 'expires_at is not a recognised field'],
      ['unknown', { idempotency_key: 'k', colour: 'red' }, 'colour is not a recognised field'],
      ['missing key', { user_id: 'u' }, 'idempotency_key is required'],
      ['empty key', { idempotency_key: '' }, 'idempotency_key must not be empty'],
      ['long key', { idempotency_key: 'k'.repeat(256) }, 'idempotency_key must be at most 255 characters'],
      [
        'user_id long',
        { idempotency_key: 'k', user_id: 'u'.repeat(256) },
        'user_id must be at most 255 characters',
      ],
      ['user_id number', { idempotency_key: 'k', user_id: 42 }, 'user_id must be a string or null'],
      [
        'metadata long',
        { idempotency_key: 'k', metadata: 'm'.repeat(4097) },
        'metadata must be at most 4096 characters',
      ],
      [
        'success_url long',
        { idempotency_key: 'k', success_url: `https://a.example/${'p'.repeat(2040)}` },
        'success_url must be at most 2048 characters',
      ],
      [
        'success_url relative',
        { idempotency_key: 'k', success_url: 'shop.example/ok' },
        'success_url must be an absolute http or https URL',
      ],
      [
        'failure_url scheme',
        { idempotency_key: 'k', failure_url: 'mailto:a@b.co' },
        'failure_url must be an absolute http or https URL',
      ],
    ];
    for (const [name, body, message] of cases) {
      it(name, async () => {
        const s = await newSession(t, ch);
        const res = await update(s.qualification_session_id as string, body);
        assert.equal(res.statusCode, 400, show(res));
        assert.equal(json(res).error, 'ValidationError');
        assert.equal(json(res).message, message, show(res));
        assert.deepEqual(await retrieve(s.qualification_session_id as string), s);
      });
    }

    it('a 400 for an invalid body is not recorded: the same key with a valid body then works', async () => {
      const s = await newSession(t, ch);
      const id = s.qualification_session_id as string;
      const bad = await update(id, { idempotency_key: 'reuse-me', status: 'approved', user_id: 'u-1' });
      assert.equal(bad.statusCode, 400, show(bad));
      const good = await update(id, { idempotency_key: 'reuse-me', user_id: 'u-1' });
      assert.equal(good.statusCode, 200, show(good));
      assert.equal(good.headers['idempotent-replayed'], undefined);
      assert.equal((await retrieve(id)).user_id, 'u-1');
    });

    it('a malformed JSON body is a 400', async () => {
      const s = await newSession(t, ch);
      const res = await update(s.qualification_session_id as string, '{"idempotency_key": ');
      assert.equal(res.statusCode, 400, show(res));
      assert.equal(json(res).message, 'request body is not valid JSON');
    });
  });

  describe('rule 3: idempotency scoped to the session', () => {
    it('a retried successful user_id set replays 200, byte-for-byte, with idempotent-replayed', async () => {
      const s = await newSession(t, ch);
      const id = s.qualification_session_id as string;
      const first = await update(id, { idempotency_key: 'set-user', user_id: 'u-1' });
      assert.equal(first.statusCode, 200, show(first));
      await helper(id, 'submit');
      const retry = await update(id, { user_id: 'u-1', idempotency_key: 'set-user' });
      assert.equal(retry.statusCode, 200, show(retry));
      assert.equal(retry.body, first.body, 'the original response, status pending included');
      assert.equal(retry.headers['idempotent-replayed'], 'true');
      assert.notEqual(retry.headers['x-request-id'], first.headers['x-request-id']);
    });

    it('the same key with a different payload is a 400 and applies nothing', async () => {
      const s = await newSession(t, ch);
      const id = s.qualification_session_id as string;
      assert.equal((await update(id, { idempotency_key: 'k1', metadata: 'a' })).statusCode, 200);
      const res = await update(id, { idempotency_key: 'k1', metadata: 'b' });
      assert.equal(res.statusCode, 400, show(res));
      assert.equal(json(res).error, 'ValidationError');
      assert.match(json(res).message as string, /idempotency_key/);
      assert.equal((await retrieve(id)).metadata, 'a');
    });

    it('the same key on another session is a fresh request', async () => {
      const a = await newSession(t, ch);
      const b = await newSession(t, ch);
      const ra = await update(a.qualification_session_id as string, {
        idempotency_key: 'same',
        user_id: 'ua',
      });
      const rb = await update(b.qualification_session_id as string, {
        idempotency_key: 'same',
        user_id: 'ub',
      });
      assert.equal(ra.statusCode, 200, show(ra));
      assert.equal(rb.statusCode, 200, show(rb));
      assert.equal(rb.headers['idempotent-replayed'], undefined);
      assert.equal((await retrieve(b.qualification_session_id as string)).user_id, 'ub');
    });

    it('the update scope is separate from the create scope', async () => {
      const s = await newSession(t, ch);
      const id = s.qualification_session_id as string;
      const res = await update(id, { idempotency_key: 'c-1', metadata: 'x' });
      assert.equal(res.statusCode, 200, show(res));
      assert.equal(res.headers['idempotent-replayed'], undefined);
    });
  });

  describe('rule 4: user_id is set-when-null', () => {
    it('sets user_id while it is null', async () => {
      const s = await newSession(t, ch);
      const id = s.qualification_session_id as string;
      const res = await update(id, { idempotency_key: 'k', user_id: 'shopper-1' });
      assert.equal(res.statusCode, 200, show(res));
      assert.equal((await retrieve(id)).user_id, 'shopper-1');
    });

    it('the same value again is not an overwrite: 200', async () => {
      const s = await newSession(t, ch, { user_id: 'same-user' });
      const res = await update(s.qualification_session_id as string, {
        idempotency_key: 'k',
        user_id: 'same-user',
      });
      assert.equal(res.statusCode, 200, show(res));
    });

    it('a different value is 409 user_id_already_set, applies nothing else, and is recorded and replayed', async () => {
      const s = await newSession(t, ch, { user_id: 'original', metadata: 'keep' });
      const id = s.qualification_session_id as string;
      const body = {
        idempotency_key: 'steal',
        user_id: 'other',
        metadata: 'changed',
        success_url: 'https://x.example/',
      };
      const res = await update(id, body);
      assert.equal(res.statusCode, 409, show(res));
      const err = json(res);
      assert.deepEqual(Object.keys(err), ['error', 'message', 'request_id']);
      assert.equal(err.error, 'user_id_already_set');
      assert.equal(err.request_id, res.headers['x-request-id']);
      const stored = await retrieve(id);
      assert.deepEqual(stored, s, 'nothing in the rejected request was applied');

      const replay = await update(id, body);
      assert.equal(replay.statusCode, 409, show(replay));
      assert.equal(replay.body, res.body, 'the 409 is replayed byte-for-byte');
      assert.equal(replay.headers['idempotent-replayed'], 'true');

      // The key is spent on the 409: a different payload with it is a 400, not a fresh try.
      const reuse = await update(id, { idempotency_key: 'steal', metadata: 'changed' });
      assert.equal(reuse.statusCode, 400, show(reuse));
    });

    it('null when a user_id is set is a 409; null when none is set is a no-op', async () => {
      const set = await newSession(t, ch, { user_id: 'u-9' });
      const res = await update(set.qualification_session_id as string, {
        idempotency_key: 'k',
        user_id: null,
      });
      assert.equal(res.statusCode, 409, show(res));
      assert.equal(json(res).error, 'user_id_already_set');
      assert.equal((await retrieve(set.qualification_session_id as string)).user_id, 'u-9');

      const unset = await newSession(t, ch);
      const ok = await update(unset.qualification_session_id as string, {
        idempotency_key: 'k',
        user_id: null,
      });
      assert.equal(ok.statusCode, 200, show(ok));
      assert.equal((await retrieve(unset.qualification_session_id as string)).user_id, null);
    });

    it('a user_id set by an earlier update blocks a later different one', async () => {
      const s = await newSession(t, ch);
      const id = s.qualification_session_id as string;
      assert.equal((await update(id, { idempotency_key: 'a', user_id: 'first' })).statusCode, 200);
      const res = await update(id, { idempotency_key: 'b', user_id: 'second' });
      assert.equal(res.statusCode, 409, show(res));
      assert.equal((await retrieve(id)).user_id, 'first');
    });
  });

  describe('rule 5: only supplied fields change; null clears metadata and the URLs', () => {
    it('changes only what is supplied and bumps updated_at', async () => {
      const s = await newSession(t, ch, {
        metadata: 'm0',
        success_url: 'https://shop.example/ok',
        failure_url: 'https://shop.example/ko',
        email: 'keep@example.com',
        source: 'src',
      });
      const id = s.qualification_session_id as string;
      clock.advance(60_000);
      const res = await update(id, { idempotency_key: 'only-meta', metadata: '{"v":2}' });
      assert.equal(res.statusCode, 200, show(res));
      const after = await retrieve(id);
      assert.deepEqual(after, { ...s, metadata: '{"v":2}', updated_at: new Date(clock.now()).toISOString() });
    });

    it('null clears metadata, success_url and failure_url', async () => {
      const s = await newSession(t, ch, {
        metadata: 'm0',
        success_url: 'https://shop.example/ok',
        failure_url: 'https://shop.example/ko',
        user_id: 'u',
      });
      const id = s.qualification_session_id as string;
      const res = await update(id, {
        idempotency_key: 'clear',
        metadata: null,
        success_url: null,
        failure_url: null,
      });
      assert.equal(res.statusCode, 200, show(res));
      const after = await retrieve(id);
      assert.equal(after.metadata, null);
      assert.equal(after.success_url, null);
      assert.equal(after.failure_url, null);
      assert.equal(after.user_id, 'u');
    });

    it('sets all four fields at once', async () => {
      const s = await newSession(t, ch);
      const id = s.qualification_session_id as string;
      const res = await update(id, {
        idempotency_key: 'all',
        user_id: 'u-all',
        metadata: 'meta',
        success_url: 'https://shop.example/s',
        failure_url: 'http://shop.example/f',
      });
      assert.equal(res.statusCode, 200, show(res));
      const after = await retrieve(id);
      assert.equal(after.user_id, 'u-all');
      assert.equal(after.metadata, 'meta');
      assert.equal(after.success_url, 'https://shop.example/s');
      assert.equal(after.failure_url, 'http://shop.example/f');
      assert.equal(after.status, 'pending');
    });
  });

  describe('rule 6: URLs are stored even in a terminal status; status never changes', () => {
    for (const action of ['approve', 'reject'] as const) {
      it(`after ${action}`, async () => {
        const s = await newSession(t, ch);
        const id = s.qualification_session_id as string;
        await helper(id, action);
        const before = await retrieve(id);
        const res = await update(id, {
          idempotency_key: 'late',
          success_url: 'https://shop.example/late-ok',
          failure_url: 'https://shop.example/late-ko',
          metadata: 'late',
          user_id: 'late-user',
        });
        assert.equal(res.statusCode, 200, show(res));
        const status = action === 'approve' ? 'approved' : 'rejected';
        assert.deepEqual(json(res), { qualification_session_id: id, status });
        const after = await retrieve(id);
        assert.equal(after.status, status);
        assert.equal(after.success_url, 'https://shop.example/late-ok');
        assert.equal(after.failure_url, 'https://shop.example/late-ko');
        assert.equal(after.metadata, 'late');
        assert.equal(after.user_id, 'late-user');
        assert.equal(after.expires_at, before.expires_at);
        assert.equal(after.lmn_reviewed_at, before.lmn_reviewed_at);
        assert.equal(after.rejection_reason, before.rejection_reason);
      });
    }
  });
});
