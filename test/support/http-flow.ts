import { type FormFields, formBody } from './shopper.js';

/**
 * The human side driven over real HTTP against a running `qualify serve` (for tests of whole
 * processes: backups, secret rotation): the shopper's survey and a clinician's console session.
 */

/** Submits a valid survey on the shopper link `redirectUrl` (PUBLIC_URL replaced by `baseUrl`); the status. */
export async function submitSurveyOver(
  baseUrl: string,
  redirectUrl: string,
  details: string,
): Promise<number> {
  const link = new URL(redirectUrl);
  const response = await fetch(`${baseUrl}${link.pathname}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: formBody({
      t: link.searchParams.get('t') ?? '',
      action: 'submit',
      email: 'shopper@example.com',
      date_of_birth: '1980-04-23',
      state: 'CA',
      condition: ['hypertension'],
      details,
      consent_telehealth: 'yes',
      consent_privacy: 'yes',
    }),
  });
  await response.arrayBuffer();
  return response.status;
}

export interface ConsoleSession {
  /** POSTs a console form with the session's CSRF token; the status. */
  post(path: string, fields: FormFields): Promise<number>;
  /** Approves as a clinician does (issue 11 item 5): preview, then confirm what was previewed; the status. */
  approve(sessionId: string, fields: FormFields): Promise<number>;
}

function cookiesOf(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0]!)
    .join('; ');
}

function csrfOf(html: string): string {
  const match = html.match(/name="_csrf" value="([^"]*)"/);
  if (!match) throw new Error(`no CSRF field on the page: ${html.slice(0, 300)}`);
  return match[1]!;
}

/** Signs a clinician in through the real form and keeps the session cookie. */
export async function consoleSignIn(
  baseUrl: string,
  email: string,
  password: string,
): Promise<ConsoleSession> {
  const form = await fetch(`${baseUrl}/console`);
  const signInCookie = cookiesOf(form);
  const signedIn = await fetch(`${baseUrl}/console/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: signInCookie },
    body: formBody({ _csrf: csrfOf(await form.text()), email, password }),
  });
  if (signedIn.status !== 303) throw new Error(`sign-in failed: ${signedIn.status} ${await signedIn.text()}`);
  const cookie = cookiesOf(signedIn)
    .split('; ')
    .filter((c) => c.startsWith('qualify_console='))
    .join('; ');
  const queue = await fetch(`${baseUrl}/console/queue`, { headers: { cookie } });
  const csrf = csrfOf(await queue.text());
  const send = (path: string, fields: FormFields) =>
    fetch(`${baseUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: formBody({ _csrf: csrf, ...fields }),
    });
  return {
    async post(path, fields) {
      const response = await send(path, fields);
      await response.arrayBuffer();
      return response.status;
    },
    async approve(sessionId, fields) {
      const path = `/console/sessions/${sessionId}/approve`;
      const decision = { diagnosis: 'I10', ...fields };
      const preview = await send(path, { ...decision, action: 'preview' });
      const digest = (await preview.text()).match(/name="previewed" value="([^"]*)"/)?.[1];
      if (preview.status !== 200 || !digest) return preview.status;
      const confirmed = await send(path, { ...decision, action: 'confirm', previewed: digest });
      await confirmed.arrayBuffer();
      return confirmed.status;
    },
  };
}
