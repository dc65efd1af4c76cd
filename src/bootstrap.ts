import type { Services } from './services.js';

export interface FirstStartCredentials {
  sandbox: { sales_channel_id: string; api_key: string };
}

/**
 * SPEC §4.1 — with an empty database, `serve` creates a test-mode "Sandbox" channel (and the
 * demo clinician) and prints their credentials once. Returns undefined when the database was not empty.
 */
export async function seedFirstStart(services: Services): Promise<FirstStartCredentials | undefined> {
  if ((await services.channels.countChannels()) > 0) return undefined;
  const sandbox = await services.channels.createChannel('Sandbox', false);
  return { sandbox: { sales_channel_id: sandbox.sales_channel_id, api_key: sandbox.api_key } };
}

export function formatCredentials(credentials: FirstStartCredentials, publicUrl: string): string {
  return [
    '',
    '  Qualify is set up. These credentials are shown once — keep them.',
    '',
    `  Sandbox sales channel  ${credentials.sandbox.sales_channel_id}`,
    `  API key (test mode)    ${credentials.sandbox.api_key}`,
    '',
    `  API docs               ${publicUrl}/docs`,
    '',
  ].join('\n');
}
