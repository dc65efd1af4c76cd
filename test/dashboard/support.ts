import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp, TestChannel } from '../support/app.js';

/** Issue 12 — a merchant user as the CLI adds them, with their password set through the link. */
export interface TestMerchantUser {
  email: string;
  password: string;
  userId: string;
}

export async function addMerchantUser(
  t: Pick<TestApp, 'services'>,
  channel: TestChannel,
  role: 'owner' | 'developer' | 'viewer',
  email = `${role}-${Math.random().toString(36).slice(2, 8)}@merchant.example`,
): Promise<TestMerchantUser> {
  const added = await t.services.dashboardAuth.addMember(channel.channelId, email, role, {
    actorType: 'operator',
  });
  const password = `password of ${email}`;
  if (added.set_password_url) {
    const token = new URL(added.set_password_url).searchParams.get('token')!;
    await t.services.dashboardAuth.setPassword(token, password);
  }
  return { email, password, userId: added.user_id };
}

function cookiesOf(response: LightMyRequestResponse, jar: Map<string, string>): void {
  for (const cookie of response.cookies) {
    if (cookie.value === '' || (cookie.expires && cookie.expires.getTime() < Date.now()))
      jar.delete(cookie.name);
    else jar.set(cookie.name, cookie.value);
  }
}

/** A signed-in dashboard session over `inject`: GETs and CSRF-carrying form POSTs. */
export interface DashboardClient {
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, fields?: Record<string, string>): Promise<LightMyRequestResponse>;
}

export async function dashboardClient(
  t: Pick<TestApp, 'app'>,
  user: TestMerchantUser,
): Promise<DashboardClient> {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const get = async (url: string) => {
    const response = await t.app.inject({ method: 'GET', url, headers: { cookie: cookie() } });
    cookiesOf(response, jar);
    return response;
  };
  const form = await get('/dashboard');
  const signInCsrf = form.body.match(/name="_csrf" value="([^"]*)"/)?.[1] ?? '';
  const signIn = await t.app.inject({
    method: 'POST',
    url: '/dashboard/sign-in',
    headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({
      _csrf: signInCsrf,
      email: user.email,
      password: user.password,
    }).toString(),
  });
  assert.equal(signIn.statusCode, 303, `sign-in: ${signIn.statusCode} ${signIn.body.slice(0, 500)}`);
  cookiesOf(signIn, jar);
  let csrf = '';
  return {
    async get(url) {
      const response = await get(url);
      csrf = response.body.match(/name="_csrf" value="([^"]*)"/)?.[1] ?? csrf;
      return response;
    },
    async post(url, fields = {}) {
      if (!csrf) csrf = (await get('/dashboard/c/x')).body.match(/name="_csrf" value="([^"]*)"/)?.[1] ?? '';
      const response = await t.app.inject({
        method: 'POST',
        url,
        headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
      });
      cookiesOf(response, jar);
      return response;
    },
  };
}
