import type { LightMyRequestResponse } from 'fastify';
import { newSession, type TestApp, type TestChannel } from './app.js';

/** Helpers for the human side (survey, console): sessions, form posts, clinicians. */

export interface TestSession {
  id: string;
  /** `/q/<id>?t=<token>`: the shopper link's path and query. */
  path: string;
  token: string;
  body: Record<string, unknown>;
}

export async function createSession(
  t: TestApp,
  channel: TestChannel,
  body: Record<string, unknown> = {},
): Promise<TestSession> {
  const created = await newSession(t, channel, body);
  const url = new URL(created.redirect_url as string);
  return {
    id: created.qualification_session_id as string,
    path: url.pathname + url.search,
    token: url.searchParams.get('t')!,
    body: created,
  };
}

export type FormFields = Record<string, string | readonly string[] | undefined>;

export function formBody(fields: FormFields): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    for (const v of typeof value === 'string' ? [value] : value) params.append(name, v);
  }
  return params.toString();
}

export function postForm(
  t: TestApp,
  url: string,
  fields: FormFields,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return t.app.inject({
    method: 'POST',
    url,
    payload: formBody(fields),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  });
}

/** A complete, valid survey for an adult in `state`; override any field. */
export function surveyFields(session: TestSession, overrides: FormFields = {}): FormFields {
  return {
    t: session.token,
    action: 'submit',
    email: 'shopper@example.com',
    date_of_birth: '1980-04-23',
    state: 'CA',
    condition: ['hypertension'],
    details: 'Diagnosed in 2019, taking lisinopril.',
    consent_telehealth: 'yes',
    consent_privacy: 'yes',
    ...overrides,
  };
}

export function submitSurvey(t: TestApp, session: TestSession, overrides: FormFields = {}) {
  return postForm(t, `/q/${session.id}`, surveyFields(session, overrides));
}

let clinicianCounter = 0;

export interface TestClinician {
  id: string;
  email: string;
  password: string;
}

export async function addClinician(
  t: TestApp,
  states: string[],
  name = 'Dr. Test Clinician',
  /** Issue 11 item 4 — test-mode sessions are decided only by clinicians with sandbox access. */
  sandbox: 'none' | 'also' | 'only' = 'also',
): Promise<TestClinician> {
  clinicianCounter += 1;
  const email = `clinician${clinicianCounter}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const password = 'correct horse battery staple';
  // A licence number per state (issue 10 item 3): without one the clinician could not approve.
  const licenses = Object.fromEntries(states.map((state) => [state, `${state}-LIC-${clinicianCounter}`]));
  const created = await t.services.clinicians.add({
    email,
    name,
    npi: '1234567893',
    states,
    licenses,
    practiceAddress: '100 Main Street, Springfield',
    password,
    sandbox,
  });
  return { id: created.clinician_id, email, password };
}

/** Cookie header value from a response's set-cookie headers (name=value pairs only). */
export function cookiesFrom(response: LightMyRequestResponse): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const c of response.cookies as Array<{ name: string; value: string }>) jar[c.name] = c.value;
  return jar;
}

export function cookieHeader(jar: Record<string, string>): string {
  return Object.entries(jar)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
}

export function hiddenCsrf(html: string): string {
  const match = html.match(/name="_csrf" value="([^"]*)"/);
  if (!match) throw new Error('no CSRF field on the page');
  return match[1]!;
}

export interface ConsoleAgent {
  cookie: string;
  csrf: string;
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, fields: FormFields): Promise<LightMyRequestResponse>;
}

/** Signs in through the real form (CSRF cookie included) and returns an agent that keeps the cookie. */
export async function signIn(
  t: TestApp,
  clinician: { email: string; password: string },
): Promise<ConsoleAgent> {
  const form = await t.app.inject({ method: 'GET', url: '/console' });
  const response = await postForm(
    t,
    '/console/sign-in',
    { _csrf: hiddenCsrf(form.body), email: clinician.email, password: clinician.password },
    { cookie: cookieHeader(cookiesFrom(form)) },
  );
  if (response.statusCode !== 303)
    throw new Error(`sign-in failed: ${response.statusCode} ${response.body.slice(0, 300)}`);
  const cookie = cookieHeader({ qualify_console: cookiesFrom(response).qualify_console! });
  const queue = await t.app.inject({ method: 'GET', url: '/console/queue', headers: { cookie } });
  const csrf = hiddenCsrf(queue.body);
  return {
    cookie,
    csrf,
    get: (url) => t.app.inject({ method: 'GET', url, headers: { cookie } }),
    post: (url, fields) => postForm(t, url, { _csrf: csrf, ...fields }, { cookie }),
  };
}

/** Every row of every table, as text: where a test looks for plain-text health information. */
export async function dumpAllRows(t: TestApp): Promise<string> {
  const tables = await t.database.db.introspection.getTables();
  const parts: string[] = [];
  for (const table of tables) {
    // biome-ignore lint/suspicious/noExplicitAny: dynamic table names in a test dump
    const rows = await (t.database.db as any).selectFrom(table.name).selectAll().execute();
    parts.push(JSON.stringify(rows));
  }
  return parts.join('\n');
}

/** The hidden digest a preview carries: what a confirm must send back (issue 11 item 5). */
export function previewedDigest(html: string): string | undefined {
  return html.match(/name="previewed" value="([^"]*)"/)?.[1];
}

/**
 * Approves through the console the way a clinician does: the decision is previewed, then the
 * previewed letter confirmed. `fields` are the approve form's (sku, diagnosis, validity_days, …);
 * the per-item use and duration default to the definition's when not given.
 */
export async function approveInConsole(
  agent: ConsoleAgent,
  sessionId: string,
  fields: FormFields,
): Promise<LightMyRequestResponse> {
  const url = `/console/sessions/${sessionId}/approve`;
  const withDefaults: FormFields = { diagnosis: 'I10', validity_days: '365', ...fields };
  const preview = await agent.post(url, { ...withDefaults, action: 'preview' });
  const digest = previewedDigest(preview.body);
  if (preview.statusCode !== 200 || !digest) return preview;
  return agent.post(url, { ...withDefaults, action: 'confirm', previewed: digest });
}
