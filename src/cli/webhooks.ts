import type { Command } from 'commander';
import { ApiError } from '../lib/errors.js';
import { presentAttempt, presentDelivery, presentEndpoint } from '../webhooks/webhooks.presenter.js';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../webhooks/webhooks.vocabulary.js';
import { output, parseDuration, withServices } from './context.js';

/** SPEC §3, §4.1 — `qualify webhook add|list|deliveries|redeliver|test|rotate-secret|enable|delete`. */
export function registerWebhookCommands(program: Command): void {
  const webhook = program.command('webhook').description('webhook endpoints and deliveries');

  webhook
    .command('add')
    .description('add a webhook endpoint to a sales channel (its secret is shown once)')
    .requiredOption('--channel <id>', 'sales channel id')
    .requiredOption('--url <url>', 'absolute http(s) URL')
    .option('--unsigned', 'legacy unsigned mode: flat payload, secret in x-truemed-api-key', false)
    .option('--legacy', 'with --unsigned: keep the legacy mode on purpose (required in production)', false)
    .option('--events <list>', 'comma-separated event types (default qualification_session.complete)')
    .option('--json', 'print JSON', false)
    .action(
      async (opts: {
        channel: string;
        url: string;
        unsigned: boolean;
        legacy: boolean;
        events?: string;
        json: boolean;
      }) => {
        const events = opts.events
          ?.split(',')
          .map((e) => e.trim())
          .filter((e) => e !== '');
        const { endpoint, secret } = await withServices((s) =>
          s.webhookEndpoints.create(opts.channel, {
            url: opts.url,
            mode: opts.unsigned ? 'unsigned' : 'signed',
            ...(opts.legacy ? { legacy: true } : {}),
            ...(events ? { events } : {}),
          }),
        );
        output(
          opts.json,
          { webhook_endpoint_id: endpoint.id, url: endpoint.url, mode: endpoint.mode, secret },
          `webhook endpoint ${endpoint.id} (${endpoint.mode}) → ${endpoint.url}\nevents: ${JSON.parse(endpoint.events).join(', ')}\nsecret: ${secret}\nThe secret is shown once.`,
        );
      },
    );

  webhook
    .command('list')
    .description('list webhook endpoints (secrets are never listed)')
    .option('--channel <id>', 'only this sales channel')
    .option('--json', 'print JSON', false)
    .action(async (opts: { channel?: string; json: boolean }) => {
      const rows = await withServices((s) => s.webhookEndpoints.list(opts.channel ?? null));
      const list = rows.map(presentEndpoint);
      output(
        opts.json,
        list,
        list
          .map(
            (e) =>
              `${e.webhook_endpoint_id}  ${e.sales_channel_id}  ${e.mode}  ${e.enabled ? 'enabled' : `disabled (${e.disabled_reason})`}  ${e.url}  [${e.events.join(',')}]`,
          )
          .join('\n') || 'no webhook endpoints',
      );
    });

  webhook
    .command('deliveries')
    .description('list webhook deliveries, newest first')
    .option('--channel <id>', 'only this sales channel')
    .option('--endpoint <id>', 'only this endpoint')
    .option('--session <id>', 'only this qualification session')
    .option('--status <status>', `one of ${DELIVERY_STATUSES.join(', ')}`)
    .option('--limit <n>', 'at most this many (default 50)', '50')
    .option('--attempts', 'include every attempt of each delivery', false)
    .option('--json', 'print JSON', false)
    .action(
      async (opts: {
        channel?: string;
        endpoint?: string;
        session?: string;
        status?: string;
        limit: string;
        attempts: boolean;
        json: boolean;
      }) => {
        if (opts.status !== undefined && !DELIVERY_STATUSES.includes(opts.status as DeliveryStatus))
          throw new ApiError('ValidationError', `--status must be one of ${DELIVERY_STATUSES.join(', ')}`);
        const limit = Number(opts.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
          throw new ApiError('ValidationError', '--limit must be an integer from 1 to 1000');
        const list = await withServices(async (s) => {
          const rows = await s.webhookDeliveries.list({
            ...(opts.channel ? { channelId: opts.channel } : {}),
            ...(opts.endpoint ? { endpointId: opts.endpoint } : {}),
            ...(opts.session ? { sessionId: opts.session } : {}),
            ...(opts.status ? { status: opts.status as DeliveryStatus } : {}),
            limit,
          });
          return Promise.all(
            rows.map(async (row) => ({
              ...presentDelivery(row),
              ...(opts.attempts
                ? { attempts: (await s.webhookDeliveries.attempts(row.id)).map(presentAttempt) }
                : {}),
            })),
          );
        });
        output(
          opts.json,
          list,
          list
            .map(
              (d) =>
                `${d.webhook_delivery_id}  ${d.status}  ${d.event_type}  attempts=${d.attempt_count}  ${d.last_status_code ?? d.last_error ?? ''}  ${d.webhook_endpoint_id}  ${d.created_at}`,
            )
            .join('\n') || 'no webhook deliveries',
        );
      },
    );

  webhook
    .command('redeliver <webhook_delivery_id>')
    .description('send a delivery again (same webhook_delivery_id); a running server sends it')
    .option('--json', 'print JSON', false)
    .action(async (id: string, opts: { json: boolean }) => {
      const row = await withServices((s) => s.webhookDeliveries.redeliver(null, id));
      output(
        opts.json,
        presentDelivery(row),
        `delivery ${row.id} queued (${row.status}); a running server sends it within seconds`,
      );
    });

  webhook
    .command('test <webhook_endpoint_id>')
    .description('queue a webhook_endpoint.test event for one endpoint; a running server delivers it')
    .option('--json', 'print JSON', false)
    .action(async (id: string, opts: { json: boolean }) => {
      const queued = await withServices((s) => s.webhookEndpoints.sendTest(null, id));
      output(
        opts.json,
        { ...queued, status: 'queued' },
        `queued webhook_endpoint.test as delivery ${queued.webhook_delivery_id} to ${id}; a running server delivers it within seconds (see \`qualify webhook deliveries --endpoint ${id}\`)`,
      );
    });

  webhook
    .command('rotate-secret <webhook_endpoint_id>')
    .description('new secret (shown once); the old one stays valid for --overlap (default 24h)')
    .option(
      '--overlap <duration>',
      'how long the old secret keeps signing: 0 (retire it now), 90s, 30m, 24h, 7d',
      '24h',
    )
    .option('--json', 'print JSON', false)
    .action(async (id: string, opts: { overlap: string; json: boolean }) => {
      const overlapMs = parseDuration(opts.overlap, '--overlap');
      const { endpoint, secret } = await withServices((s) =>
        s.webhookEndpoints.rotateSecret(null, id, overlapMs),
      );
      output(
        opts.json,
        { webhook_endpoint_id: endpoint.id, secret, overlap_seconds: overlapMs / 1000 },
        `new secret for ${endpoint.id}: ${secret}\n${
          overlapMs === 0
            ? 'The previous secret is retired now.'
            : `The previous secret stays valid for ${opts.overlap}.`
        } The new one is shown once.`,
      );
    });

  webhook
    .command('enable <webhook_endpoint_id>')
    .description('re-enable an endpoint disabled after a 410 Gone')
    .option('--json', 'print JSON', false)
    .action(async (id: string, opts: { json: boolean }) => {
      const endpoint = await withServices((s) => s.webhookEndpoints.enable(id));
      output(opts.json, presentEndpoint(endpoint), `webhook endpoint ${endpoint.id} enabled`);
    });

  webhook
    .command('delete <webhook_endpoint_id>')
    .description('delete an endpoint; its queued deliveries fail')
    .option('--json', 'print JSON', false)
    .action(async (id: string, opts: { json: boolean }) => {
      const endpoint = await withServices((s) => s.webhookEndpoints.delete(null, id));
      output(
        opts.json,
        { webhook_endpoint_id: endpoint.id, deleted: true },
        `webhook endpoint ${endpoint.id} deleted`,
      );
    });
}
