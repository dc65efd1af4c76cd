import type { Config } from './config.js';
import type { Services } from './services.js';
import { US_STATES } from './survey/definition.js';

export interface FirstStartCredentials {
  sandbox: { sales_channel_id: string; api_key: string };
  /**
   * SPEC §2.3 — outside production only: the demo clinician, licensed in every state, who reviews
   * the sandbox queue only (issue 11 item 4); its password is shown once.
   */
  clinician?: { email: string; password: string };
}

export const DEMO_CLINICIAN_EMAIL = 'demo.clinician@qualify.local';

/**
 * SPEC §4.1 — with an empty database, `serve` creates a test-mode "Sandbox" channel (and the
 * demo clinician) and prints their credentials once. Returns undefined when the database was not empty.
 * SPEC §4.3 — several instances may start at once on one empty database: the check and the seeding
 * run under a lock all instances share, so exactly one of them seeds and the others find it done.
 */
export async function seedFirstStart(services: Services): Promise<FirstStartCredentials | undefined> {
  return services.database.exclusive('first-start', () => seedEmptyDatabase(services));
}

async function seedEmptyDatabase(services: Services): Promise<FirstStartCredentials | undefined> {
  if ((await services.channels.countChannels()) > 0) return undefined;
  const sandbox = await services.channels.createChannel('Sandbox', false);
  const credentials: FirstStartCredentials = {
    sandbox: { sales_channel_id: sandbox.sales_channel_id, api_key: sandbox.api_key },
  };
  if (services.config.env !== 'production' && (await services.clinicians.count()) === 0) {
    const demo = await services.clinicians.add({
      email: DEMO_CLINICIAN_EMAIL,
      name: 'Dr. Demo Clinician',
      npi: '1234567893',
      credentials: 'MD',
      states: Object.keys(US_STATES),
      // Issue 10 item 3: approving needs a licence number for the patient's state.
      licenses: Object.fromEntries(Object.keys(US_STATES).map((state) => [state, `DEMO-${state}`])),
      practiceAddress: 'Demo practice (not a real clinic)',
      sandbox: 'only',
    });
    credentials.clinician = { email: demo.email, password: demo.password! };
  }
  return credentials;
}

/**
 * Issue 11 item 1 — production seeds no account. At every production start: a demo clinician left
 * from an older version is disabled (its password was printed once), and while no active admin
 * exists, how to add the first one is printed — never a password.
 */
export async function productionAccounts(services: Services): Promise<string | undefined> {
  if (services.config.env !== 'production') return undefined;
  const lines: string[] = [];
  const demo = await services.clinicians.findByEmail(DEMO_CLINICIAN_EMAIL);
  if (demo && demo.disabled_at === null) {
    await services.clinicians.setDisabled(demo.id, true, { type: 'operator' });
    lines.push(
      `  The demo clinician ${DEMO_CLINICIAN_EMAIL} was disabled: production has no demo account.`,
      '',
    );
  }
  const accounts = await services.clinicians.list();
  if (!accounts.some((a) => a.role === 'admin' && !a.disabled)) {
    lines.push(
      '  No console admin exists yet. Add the first one; the command prints a one-time link (valid',
      '  for one hour) to choose the password — no password is ever printed:',
      '',
      '    npx qualify clinician add --role admin --email you@example.com --name "Your Name"',
      '',
      `  then open the link and sign in at ${services.config.publicUrl}/console.`,
      '',
    );
  }
  return lines.length > 0 ? ['', ...lines].join('\n') : undefined;
}

export function formatCredentials(credentials: FirstStartCredentials, publicUrl: string): string {
  return [
    '',
    '  Qualify is set up. These credentials are shown once — keep them.',
    '',
    `  Sandbox sales channel  ${credentials.sandbox.sales_channel_id}`,
    `  API key (test mode)    ${credentials.sandbox.api_key}`,
    '',
    ...(credentials.clinician
      ? [
          `  Review console         ${publicUrl}/console`,
          `  Clinician email        ${credentials.clinician.email}`,
          `  Clinician password     ${credentials.clinician.password}`,
          '',
        ]
      : []),
    `  API docs               ${publicUrl}/docs`,
    '',
  ].join('\n');
}

/**
 * Issue 13 item 1 — one line at every start saying where Qualify listens and what that means:
 * by default (HOST unset) only this machine can connect, and outside production private webhook
 * targets are allowed.
 */
export function startBanner(
  config: Pick<Config, 'env' | 'host' | 'allowPrivateWebhooks'>,
  address: string,
): string {
  const { host } = config;
  const reach =
    host === 'localhost' || host === '::1' || host.startsWith('127.')
      ? 'only this machine can connect; set HOST (e.g. HOST=0.0.0.0) to accept others'
      : host === '0.0.0.0' || host === '::'
        ? 'on every network interface'
        : `on ${host}`;
  const webhooks = config.allowPrivateWebhooks
    ? 'webhooks may target private addresses'
    : 'webhooks to private addresses are refused';
  return `  Qualify (${config.env}) listening on ${address} — ${reach}; ${webhooks}`;
}
