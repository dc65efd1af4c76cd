import type { Command } from 'commander';
import { output, withServices } from './context.js';

/**
 * Issue 13 item 7 — `qualify webhook mark-legacy we_…`: production sends unsigned deliveries only
 * to endpoints explicitly kept in the legacy mode (e.g. one created unsigned outside production).
 */
export function registerWebhookLegacyCommand(program: Command): void {
  const webhook =
    program.commands.find((command) => command.name() === 'webhook') ?? program.command('webhook');
  webhook
    .command('mark-legacy <webhook_endpoint_id>')
    .description('keep an unsigned endpoint in the legacy mode on purpose (needed in production)')
    .option('--json', 'print JSON', false)
    .action(async (id: string, opts: { json: boolean }) => {
      const { presentEndpoint } = await import('../webhooks/webhooks.presenter.js');
      const endpoint = await withServices((s) => s.webhookEndpoints.markLegacy(id));
      output(
        opts.json,
        presentEndpoint(endpoint),
        `webhook endpoint ${endpoint.id} is marked legacy (unsigned)`,
      );
    });
}
