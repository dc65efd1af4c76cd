import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAY_MS, ManualClock } from '../../src/lib/clock.js';
import { createTestApp, json, newSession, show, type TestApp, type TestChannel } from '../support/app.js';

interface ListBody {
  qualification_sessions: Array<Record<string, unknown>>;
  pagination: {
    current_page: number;
    page_size: number;
    total_count: number;
    count: number;
    last_page: number;
  };
}

const START = Date.UTC(2026, 0, 10, 12, 0, 0);

describe('GET /api/v1/qualification_sessions (SPEC §1.6)', () => {
  let t: TestApp;
  const clock = new ManualClock(START);
  before(async () => {
    t = await createTestApp({ clock });
  });
  after(() => t.close());

  const createSession = async (ch: TestChannel, body: Record<string, unknown> = {}) =>
    (await newSession(t, ch, body)).qualification_session_id as string;
  async function helper(ch: TestChannel, id: string, action: string, body: Record<string, unknown> = {}) {
    const res = await t.api('POST', `/api/v1/test_helpers/qualification_session/${id}/${action}`, {
      key: ch,
      body,
    });
    assert.equal(res.statusCode, 200, show(res));
  }
  async function list(ch: TestChannel, query = ''): Promise<ListBody> {
    const res = await t.api('GET', `/api/v1/qualification_sessions${query}`, { key: ch });
    assert.equal(res.statusCode, 200, `${query}: ${show(res)}`);
    return json<ListBody>(res);
  }
  const ids = (body: ListBody) => body.qualification_sessions.map((s) => s.qualification_session_id);

  it('an empty channel lists nothing with last_page 1', async () => {
    const ch = await t.channel();
    const body = await list(ch);
    assert.deepEqual(body, {
      qualification_sessions: [],
      pagination: { current_page: 1, page_size: 30, total_count: 0, count: 0, last_page: 1 },
    });
  });

  it('orders by created_at descending, then id descending, and lists only the caller’s channel', async () => {
    const ch = await t.channel();
    const other = await t.channel();
    clock.set(START);
    const first = await createSession(ch);
    await createSession(other);
    clock.advance(1000);
    // Three sessions in the same millisecond: the id breaks the tie.
    const same = [await createSession(ch), await createSession(ch), await createSession(ch)];
    clock.advance(1000);
    const last = await createSession(ch);
    const body = await list(ch);
    assert.deepEqual(ids(body), [last, ...[...same].sort().reverse(), first]);
    assert.equal(body.pagination.total_count, 5);
    for (const s of body.qualification_sessions) assert.equal(Object.keys(s).length, 27);
  });

  it('paginates: page_size, current_page, last_page = max(1, ceil(total/page_size)), past the end is empty', async () => {
    const ch = await t.channel();
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      clock.advance(1000);
      created.push(await createSession(ch));
    }
    const newestFirst = [...created].reverse();
    const p1 = await list(ch, '?page_size=3');
    assert.deepEqual(p1.pagination, {
      current_page: 1,
      page_size: 3,
      total_count: 7,
      count: 7,
      last_page: 3,
    });
    assert.deepEqual(ids(p1), newestFirst.slice(0, 3));
    const p2 = await list(ch, '?page_size=3&page=2');
    assert.deepEqual(ids(p2), newestFirst.slice(3, 6));
    const p3 = await list(ch, '?page=3&page_size=3');
    assert.deepEqual(ids(p3), newestFirst.slice(6));
    assert.deepEqual(p3.pagination, {
      current_page: 3,
      page_size: 3,
      total_count: 7,
      count: 7,
      last_page: 3,
    });
    const past = await list(ch, '?page=4&page_size=3');
    assert.deepEqual(past.qualification_sessions, []);
    assert.deepEqual(past.pagination, {
      current_page: 4,
      page_size: 3,
      total_count: 7,
      count: 7,
      last_page: 3,
    });
    assert.equal((await list(ch, '?page_size=7')).pagination.last_page, 1);
    assert.equal((await list(ch, '?page_size=1')).pagination.last_page, 7);
    assert.equal((await list(ch, '?page_size=100')).pagination.page_size, 100);
    assert.equal((await list(ch)).pagination.page_size, 30);
  });

  it('filters by one status and by several separated by commas', async () => {
    const ch = await t.channel();
    const pending = await createSession(ch);
    const processing = await createSession(ch);
    const approved = await createSession(ch);
    const rejected = await createSession(ch);
    await helper(ch, processing, 'submit');
    await helper(ch, approved, 'approve');
    await helper(ch, rejected, 'reject');
    assert.deepEqual(ids(await list(ch, '?status=pending')), [pending]);
    assert.deepEqual(ids(await list(ch, '?status=processing')), [processing]);
    assert.deepEqual(ids(await list(ch, '?status=approved')), [approved]);
    assert.deepEqual(ids(await list(ch, '?status=rejected')), [rejected]);
    const multi = await list(ch, '?status=pending,approved');
    assert.deepEqual(new Set(ids(multi)), new Set([pending, approved]));
    assert.equal(multi.pagination.total_count, 2);
    assert.equal((await list(ch, '?status=pending,pending')).pagination.total_count, 1);
    assert.equal((await list(ch, '?status=pending,processing,approved,rejected')).pagination.total_count, 4);
  });

  it('filters by exact user_id', async () => {
    const ch = await t.channel();
    const a = await createSession(ch, { user_id: 'user-1' });
    await createSession(ch, { user_id: 'user-10' });
    await createSession(ch, { user_id: 'USER-1' });
    await createSession(ch);
    const body = await list(ch, '?user_id=user-1');
    assert.deepEqual(ids(body), [a]);
    assert.equal(body.pagination.total_count, 1);
  });

  it('filters by expires_at: the UTC day the LMN expires on, both ends of the day', async () => {
    const ch = await t.channel();
    // Approved at 2026-03-01T00:00:00.000Z with 10 days → expires 2026-03-11T00:00:00.000Z.
    clock.set(Date.UTC(2026, 2, 1, 0, 0, 0, 0));
    const startOfDay = await createSession(ch);
    await helper(ch, startOfDay, 'approve', { validity_days: 10 });
    // Approved at 23:59:59.999 the day before → expires 2026-03-10T23:59:59.999Z.
    clock.set(Date.UTC(2026, 1, 28, 23, 59, 59, 999));
    const dayBefore = await createSession(ch);
    await helper(ch, dayBefore, 'approve', { validity_days: 10 });
    clock.set(Date.UTC(2026, 2, 1, 23, 59, 59, 999));
    const endOfDay = await createSession(ch);
    await helper(ch, endOfDay, 'approve', { validity_days: 10 });
    await createSession(ch);
    clock.set(START + 100 * DAY_MS);

    const onDay = await list(ch, '?expires_at=2026-03-11');
    assert.deepEqual(new Set(ids(onDay)), new Set([startOfDay, endOfDay]), JSON.stringify(onDay));
    assert.equal(onDay.qualification_sessions[0]?.expires_at, '2026-03-11T23:59:59.999Z');
    assert.deepEqual(ids(await list(ch, '?expires_at=2026-03-10')), [dayBefore]);
    assert.deepEqual(ids(await list(ch, '?expires_at=2026-03-12')), []);
  });

  it('search is a case-insensitive substring over email, customer_name, user_id, source and id', async () => {
    const ch = await t.channel();
    const byEmail = await createSession(ch, { email: 'Jane.Doe@Example.com' });
    const byName = await createSession(ch, { customer_name: 'Zoë Müller' });
    const byUser = await createSession(ch, { user_id: 'CRM-7781' });
    const bySource = await createSession(ch, { source: 'Spring_Promo' });
    const byCustomerEmail = await createSession(ch, { customer_email: 'olaf@snow.example' });
    const search = async (term: string) => ids(await list(ch, `?search=${encodeURIComponent(term)}`));
    assert.deepEqual(await search('jane.DOE'), [byEmail]);
    assert.deepEqual(await search('ZOË'), [byName]);
    assert.deepEqual(await search('müll'), [byName]);
    assert.deepEqual(await search('crm-77'), [byUser]);
    assert.deepEqual(await search('spring'), [bySource]);
    assert.deepEqual(await search('SNOW'), [byCustomerEmail]);
    assert.deepEqual(await search(byUser.slice(3, 20).toUpperCase()), [byUser]);
    assert.deepEqual(await search(byUser), [byUser]);
    assert.deepEqual(await search('nothing-like-this'), []);
    assert.equal((await list(ch, '?search=')).pagination.total_count, 5);
  });

  it('search treats % and _ (and backslash) literally', async () => {
    const ch = await t.channel();
    const percent = await createSession(ch, { source: '100%off' });
    const underscore = await createSession(ch, { source: 'a_b' });
    const slash = await createSession(ch, { source: 'back\\slash' });
    await createSession(ch, { source: 'axb' });
    await createSession(ch, { source: '100 off' });
    const search = async (term: string) => ids(await list(ch, `?search=${encodeURIComponent(term)}`));
    assert.deepEqual(await search('%'), [percent]);
    assert.deepEqual(await search('0%o'), [percent]);
    // Every id contains "qs_", so a lone underscore matches everything; as a wildcard "a_b" would also match "axb".
    assert.equal((await list(ch, '?search=_')).pagination.total_count, 5);
    assert.deepEqual(await search('a_b'), [underscore]);
    assert.deepEqual(await search('\\'), [slash]);
  });

  it('search follows updates and survey submission (user_id set later, email entered later)', async () => {
    const ch = await t.channel();
    const id = await createSession(ch);
    const updated = await t.api('POST', `/api/v1/qualification_session/${id}/update`, {
      key: ch,
      body: { idempotency_key: 'u', user_id: 'Late-User' },
    });
    assert.equal(updated.statusCode, 200, show(updated));
    assert.deepEqual(ids(await list(ch, '?search=late-user')), [id]);
    await helper(ch, id, 'submit', { email: 'entered@survey.example' });
    assert.deepEqual(ids(await list(ch, '?search=survey.EXAMPLE')), [id]);
  });

  it('combines filters with AND', async () => {
    const ch = await t.channel();
    const match = await createSession(ch, { user_id: 'u-1', source: 'ads' });
    await createSession(ch, { user_id: 'u-1', source: 'mail' });
    const approvedOther = await createSession(ch, { user_id: 'u-1', source: 'ads' });
    await helper(ch, approvedOther, 'approve');
    const body = await list(ch, '?user_id=u-1&search=ads&status=pending&page_size=1');
    assert.deepEqual(ids(body), [match]);
    assert.deepEqual(body.pagination, {
      current_page: 1,
      page_size: 1,
      total_count: 1,
      count: 1,
      last_page: 1,
    });
  });

  describe('bad query values are 400 ValidationError naming the parameter', () => {
    const cases: Array<[string, RegExp]> = [
      ['status=foo', /^status must be/],
      ['status=pending,foo', /^status must be/],
      ['status=Pending', /^status must be/],
      ['status=pending,', /^status must be/],
      ['status=', /^status must be/],
      ['page=0', /^page must be at least 1$/],
      ['page=-1', /^page must be at least 1$/],
      ['page=abc', /^page must be an integer$/],
      ['page=1.5', /^page must be an integer$/],
      ['page_size=0', /^page_size must be at least 1$/],
      ['page_size=101', /^page_size must be at most 100$/],
      ['page_size=500', /^page_size must be at most 100$/],
      ['expires_at=2026-13-01', /^expires_at must be/],
      ['expires_at=2026-02-30', /^expires_at must be/],
      ['expires_at=2026-1-1', /^expires_at must be/],
      ['expires_at=tomorrow', /^expires_at must be/],
      ['limit=10', /^limit is not a recognised field$/],
      ['status=pending&status=approved', /^status must be/],
    ];
    for (const [query, message] of cases) {
      it(query, async () => {
        const ch = await t.channel();
        const res = await t.api('GET', `/api/v1/qualification_sessions?${query}`, { key: ch });
        assert.equal(res.statusCode, 400, show(res));
        const err = json(res);
        assert.equal(err.error, 'ValidationError');
        assert.match(err.message as string, message, show(res));
        assert.equal(err.request_id, res.headers['x-request-id']);
      });
    }
  });
});
