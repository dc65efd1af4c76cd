import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DASHBOARD_IDLE_TIMEOUT_MS } from '../../src/dashboard/dashboard-auth.service.js';
import { ManualClock } from '../../src/lib/clock.js';
import { createTestApp, newSession, show, type TestApp, type TestChannel } from '../support/app.js';
import { addMerchantUser, type DashboardClient, dashboardClient, type TestMerchantUser } from './support.js';

// Issue 12 — the merchant dashboard through `inject`: sign-in, scoping to the user's channels,
// roles, the CSV export, keys, and the assets it serves itself.

describe('merchant dashboard (issue 12)', () => {
  let t: TestApp;
  let channel: TestChannel;
  let otherChannel: TestChannel;
  let developer: TestMerchantUser;
  let viewer: TestMerchantUser;
  let dev: DashboardClient;
  let view: DashboardClient;

  before(async () => {
    t = await createTestApp();
    channel = await t.channel({ name: 'Acme' });
    otherChannel = await t.channel({ name: 'Other shop' });
    developer = await addMerchantUser(t, channel, 'developer');
    viewer = await addMerchantUser(t, channel, 'viewer');
    dev = await dashboardClient(t, developer);
    view = await dashboardClient(t, viewer);
  });
  after(() => t.close());

  it('refuses a wrong password with one message, and needs a set password', async () => {
    const form = await t.app.inject({ method: 'GET', url: '/dashboard' });
    assert.equal(form.statusCode, 200, show(form));
    const csrf = form.body.match(/name="_csrf" value="([^"]*)"/)![1]!;
    const signInCookie = form.cookies.find((c) => c.name === 'qualify_dashboard_sign_in')!.value;
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/dashboard/sign-in',
      headers: {
        cookie: `qualify_dashboard_sign_in=${signInCookie}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({
        _csrf: csrf,
        email: developer.email,
        password: 'not the password',
      }).toString(),
    });
    assert.equal(wrong.statusCode, 401, show(wrong));
    assert.match(wrong.body, /Email or password is incorrect\./);
    assert.ok(!wrong.cookies.some((c) => c.name === 'qualify_dashboard'), JSON.stringify(wrong.cookies));
    const pending = await t.services.dashboardAuth.addMember(
      channel.channelId,
      'new@merchant.example',
      'viewer',
      {
        actorType: 'operator',
      },
    );
    assert.match(
      pending.set_password_url ?? '',
      /^http:\/\/qualify\.test\/dashboard\/set-password\?token=[\w-]{43}$/,
    );
    const link = await t.app.inject({
      method: 'GET',
      url: pending.set_password_url!.replace('http://qualify.test', ''),
    });
    assert.equal(link.statusCode, 200, show(link));
    assert.match(link.body, /new@merchant\.example/);
    const signedOut = await t.app.inject({ method: 'GET', url: `/dashboard/c/${channel.channelId}` });
    assert.equal(signedOut.statusCode, 303, show(signedOut));
    assert.equal(signedOut.headers.location, '/dashboard');
  });

  it('shows every page of the user’s channel, and another channel’s pages and sessions as 404', async () => {
    const session = await newSession(t, channel, {
      email: 'shopper@example.com',
      customer_name: 'Sam Shopper',
    });
    const foreign = await newSession(t, otherChannel, { email: 'foreign@example.com' });
    const root = `/dashboard/c/${channel.channelId}`;
    for (const path of [
      '',
      '/sessions',
      '/webhooks',
      '/keys',
      `/sessions/${session.qualification_session_id}`,
    ]) {
      const res = await dev.get(`${root}${path}`);
      assert.equal(res.statusCode, 200, `${path}: ${show(res)}`);
      assert.match(String(res.headers['content-security-policy']), /script-src 'self'/);
    }
    const search = await dev.get(`${root}/sessions?search=shopper%40example`);
    assert.match(search.body, new RegExp(String(session.qualification_session_id)), show(search));
    assert.doesNotMatch(search.body, /foreign@example\.com/);

    const otherRoot = `/dashboard/c/${otherChannel.channelId}`;
    for (const path of ['', '/sessions', '/keys', `/sessions/${foreign.qualification_session_id}`]) {
      const res = await dev.get(`${otherRoot}${path}`);
      assert.equal(res.statusCode, 404, `${path}: ${show(res)}`);
    }
    const byUrl = await dev.get(`${root}/sessions/${foreign.qualification_session_id}`);
    assert.equal(byUrl.statusCode, 404, show(byUrl));
    assert.doesNotMatch(byUrl.body, /foreign@example\.com/);
  });

  it('exports the filtered sessions as CSV, streamed, every row', async () => {
    const ch = await t.channel({ name: 'Export shop' });
    const owner = await addMerchantUser(t, ch, 'owner');
    const client = await dashboardClient(t, owner);
    for (let i = 0; i < 620; i++)
      await newSession(t, ch, { email: `e${i}@example.com`, customer_name: i === 0 ? '=cmd()' : null });
    const res = await client.get(`/dashboard/c/${ch.channelId}/sessions.csv`);
    assert.equal(res.statusCode, 200, show(res));
    assert.match(String(res.headers['content-type']), /^text\/csv/);
    const lines = res.body.trimEnd().split('\r\n');
    assert.equal(
      lines[0],
      'qualification_session_id,status,created_at,updated_at,email,customer_name,user_id,source,skus_param,eligible_amount,expires_at,lmn_reviewed_at,rejection_reason,livemode',
    );
    assert.equal(lines.length, 621, 'a header and every one of the 620 sessions (more than one batch)');
    assert.equal(new Set(lines.slice(1).map((l) => l.split(',')[0])).size, 620);
    assert.ok(
      lines.some((l) => l.includes(",'=cmd(),")),
      'a formula is defused',
    );
    const filtered = await client.get(`/dashboard/c/${ch.channelId}/sessions.csv?search=e12%40`);
    assert.equal(filtered.body.trimEnd().split('\r\n').length, 2, filtered.body);
  });

  it('lets a viewer read but not act: no buttons, and the POSTs are 403', async () => {
    const root = `/dashboard/c/${channel.channelId}`;
    const keys = await view.get(`${root}/keys`);
    assert.equal(keys.statusCode, 200, show(keys));
    assert.doesNotMatch(keys.body, />Create key</);
    assert.doesNotMatch(keys.body, />Revoke</);
    const hooks = await view.get(`${root}/webhooks`);
    assert.doesNotMatch(hooks.body, /Add endpoint/);
    const create = await view.post(`${root}/keys`);
    assert.equal(create.statusCode, 403, show(create));
    const add = await view.post(`${root}/webhooks`, { url: 'https://example.com/hook' });
    assert.equal(add.statusCode, 403, show(add));
    const users = await view.get(`${root}/users`);
    assert.equal(users.statusCode, 403, show(users));
  });

  it('creates a key shown once, records its use, and revokes it (the API then answers 401)', async () => {
    const root = `/dashboard/c/${channel.channelId}`;
    const created = await dev.post(`${root}/keys`);
    assert.equal(created.statusCode, 200, show(created));
    const key = created.body.match(/value="(qk_test_[\w-]+)"/)?.[1];
    assert.ok(key, created.body);
    const use = await t.api('GET', '/api/v1/qualification_sessions', { key });
    assert.equal(use.statusCode, 200, show(use));
    await t.services.channels.flushKeyUsage();
    const rows = await t.services.channels.listKeys(channel.channelId);
    const row = rows.find((r) => key.startsWith(r.prefix))!;
    assert.notEqual(row.last_used_at, null, 'last used is recorded');
    const list = await dev.get(`${root}/keys`);
    assert.doesNotMatch(list.body, new RegExp(key), 'the key is never shown again');
    const revoke = await dev.post(`${root}/keys/${row.id}/revoke`);
    assert.equal(revoke.statusCode, 303, show(revoke));
    const refused = await t.api('GET', '/api/v1/qualification_sessions', { key });
    assert.equal(refused.statusCode, 401, show(refused));
    const foreignKey = (await t.services.channels.listKeys(otherChannel.channelId))[0]!;
    const cross = await dev.post(`${root}/keys/${foreignKey.id}/revoke`);
    assert.equal(cross.statusCode, 404, show(cross));
    const still = await t.api('GET', '/api/v1/qualification_sessions', { key: otherChannel });
    assert.equal(still.statusCode, 200, show(still));
  });

  it('refuses a POST without the session’s CSRF token', async () => {
    const res = await dev.post(`/dashboard/c/${channel.channelId}/keys`, { _csrf: 'forged' });
    assert.equal(res.statusCode, 403, show(res));
  });

  it('serves Chart.js and its page script itself', async () => {
    const chart = await t.app.inject({ method: 'GET', url: '/dashboard/assets/chart.js' });
    assert.equal(chart.statusCode, 200);
    assert.match(chart.body.slice(0, 200), /Chart\.js v4\.6\.1/);
    const script = await t.app.inject({ method: 'GET', url: '/dashboard/assets/dashboard.js' });
    assert.equal(script.statusCode, 200);
    assert.match(script.body, /data-copy/);
  });

  it('a developer changes an endpoint’s events, disables and enables it; another channel’s endpoint is 404', async () => {
    const root = `/dashboard/c/${channel.channelId}`;
    const { endpoint } = await t.services.webhookEndpoints.create(channel.channelId, {
      url: 'https://hooks.example/a',
    });
    const page = `${root}/webhooks/${endpoint.id}`;
    const saved = await dev.post(`${page}/settings`, {
      mode: 'signed',
      events: 'qualification_session.processing',
    });
    assert.equal(saved.statusCode, 303, show(saved));
    const after = await t.services.webhookEndpoints.get(channel.channelId, endpoint.id);
    assert.deepEqual(JSON.parse(after.events), ['qualification_session.processing']);
    const bad = await dev.post(`${page}/settings`, { mode: 'signed', events: 'no.such_event' });
    assert.equal(bad.statusCode, 422, show(bad));
    assert.match(bad.body, /unknown event type no\.such_event/);
    assert.equal((await dev.post(`${page}/disable`)).statusCode, 303);
    assert.notEqual(
      (await t.services.webhookEndpoints.get(channel.channelId, endpoint.id)).disabled_at,
      null,
    );
    const shown = await dev.get(page);
    assert.match(shown.body, /disabled by the merchant/, show(shown));
    assert.equal((await dev.post(`${page}/enable`)).statusCode, 303);
    assert.equal((await t.services.webhookEndpoints.get(channel.channelId, endpoint.id)).disabled_at, null);

    const foreign = await t.services.webhookEndpoints.create(otherChannel.channelId, {
      url: 'https://hooks.example/b',
    });
    for (const path of [`${root}/webhooks/${foreign.endpoint.id}`]) {
      const res = await dev.get(path);
      assert.equal(res.statusCode, 404, show(res));
    }
    const crossDelete = await dev.post(`${root}/webhooks/${foreign.endpoint.id}/delete`);
    assert.equal(crossDelete.statusCode, 404, show(crossDelete));
    assert.ok(await t.services.webhookEndpoints.get(otherChannel.channelId, foreign.endpoint.id));
  });
});

describe('a user of several channels (issue 12 item 1)', () => {
  it('switches between their channels, test and live, with their role in each', async () => {
    const t = await createTestApp();
    try {
      const test = await t.channel({ name: 'Shop' });
      const live = await t.channel({ name: 'Shop', live: true });
      const user = await addMerchantUser(t, test, 'developer', 'both@shop.example');
      const again = await t.services.dashboardAuth.addMember(live.channelId, 'Both@Shop.example', 'viewer', {
        actorType: 'operator',
      });
      assert.equal(again.user_id, user.userId, 'the same user');
      assert.equal(again.set_password_url, undefined, 'no new link once a password is set');
      const client = await dashboardClient(t, user);
      const sessions = await client.get(`/dashboard/c/${test.channelId}/sessions`);
      assert.equal(sessions.statusCode, 200, show(sessions));
      assert.match(
        sessions.body,
        new RegExp(`href="/dashboard/c/${live.channelId}/sessions">Live<`),
        'the live switch',
      );
      assert.match(sessions.body, /Shop \(Live\)/, 'the channel switcher');
      const liveKeys = await client.get(`/dashboard/c/${live.channelId}/keys`);
      assert.equal(liveKeys.statusCode, 200, show(liveKeys));
      assert.match(liveKeys.body, /\(viewer\)/);
      assert.doesNotMatch(liveKeys.body, />Create key</, 'a viewer in the live channel');
      const testKeys = await client.get(`/dashboard/c/${test.channelId}/keys`);
      assert.match(testKeys.body, />Create key</, 'a developer in the test channel');
    } finally {
      await t.close();
    }
  });
});

describe('dashboard sign-in limits and expiry (issue 12 item 1)', () => {
  it('the per-IP sign-in limit covers the dashboard’s sign-in page', async () => {
    const t = await createTestApp({ env: { QUALIFY_SIGN_IN_LIMIT_PER_MINUTE: '2' } });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await t.app.inject({ method: 'GET', url: '/dashboard' });
        assert.equal(res.statusCode, 200, show(res));
      }
      const limited = await t.app.inject({ method: 'GET', url: '/dashboard' });
      assert.equal(limited.statusCode, 429, show(limited));
      assert.ok(limited.headers['retry-after'], JSON.stringify(limited.headers));
    } finally {
      await t.close();
    }
  });

  it('signs out after an hour without activity, with a notice', async () => {
    const clock = new ManualClock();
    const t = await createTestApp({ clock });
    try {
      const channel = await t.channel();
      const user = await addMerchantUser(t, channel, 'viewer');
      const client = await dashboardClient(t, user);
      const root = `/dashboard/c/${channel.channelId}`;
      assert.equal((await client.get(root)).statusCode, 200);
      clock.advance(DASHBOARD_IDLE_TIMEOUT_MS + 1000);
      const expired = await client.get(root);
      assert.equal(expired.statusCode, 303, show(expired));
      assert.equal(expired.headers.location, '/dashboard?expired=1');
      const form = await client.get('/dashboard?expired=1');
      assert.match(form.body, /signed out after a while without activity/);
    } finally {
      await t.close();
    }
  });
});
