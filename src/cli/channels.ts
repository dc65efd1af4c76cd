import type { Command } from 'commander';
import { output, withServices } from './context.js';

interface SettingsOptions {
  displayName?: string;
  logoUrl?: string;
  supportEmail?: string;
}

const hasSettings = (o: SettingsOptions) =>
  o.displayName !== undefined || o.logoUrl !== undefined || o.supportEmail !== undefined;

const settingsOf = (o: SettingsOptions) => ({
  ...(o.displayName !== undefined ? { displayName: o.displayName } : {}),
  ...(o.logoUrl !== undefined ? { logoUrl: o.logoUrl } : {}),
  ...(o.supportEmail !== undefined ? { supportEmail: o.supportEmail } : {}),
});

export function registerChannelCommands(program: Command): void {
  const channel = program.command('channel').description('sales channels');
  channel
    .command('create')
    .description('create a sales channel and its first API key (test mode unless --live)')
    .requiredOption('--name <name>', 'display name')
    .option('--live', 'live mode (no test helpers)', false)
    .option('--display-name <name>', 'the merchant name shoppers see on the survey (default: --name)')
    .option('--logo-url <url>', 'https URL of a logo shown on the survey')
    .option('--support-email <email>', 'where shoppers can write with questions')
    .option('--json', 'print JSON', false)
    .action(async (opts: { name: string; live: boolean; json: boolean } & SettingsOptions) => {
      const created = await withServices(async (s) => {
        const made = await s.channels.createChannel(opts.name, opts.live);
        if (hasSettings(opts)) await s.channels.updateSettings(made.sales_channel_id, settingsOf(opts));
        return made;
      });
      output(
        opts.json,
        created,
        `sales channel ${created.sales_channel_id} (${created.livemode ? 'live' : 'test'} mode)\nAPI key: ${created.api_key}\nThe key is shown once.`,
      );
    });
  channel
    .command('settings')
    .description("set what the survey shows about the merchant ('' clears a setting)")
    .requiredOption('--channel <id>', 'sales channel id')
    .option('--display-name <name>', 'the merchant name shoppers see on the survey')
    .option('--logo-url <url>', 'https URL of a logo shown on the survey')
    .option('--support-email <email>', 'where shoppers can write with questions')
    .option('--json', 'print JSON', false)
    .action(async (opts: { channel: string; json: boolean } & SettingsOptions) => {
      const saved = await withServices((s) => s.channels.updateSettings(opts.channel, settingsOf(opts)));
      output(
        opts.json,
        saved,
        `sales channel ${saved.sales_channel_id}: display name ${saved.display_name ?? '(channel name)'}, logo ${saved.logo_url ?? '(none)'}, support email ${saved.support_email ?? '(none)'}`,
      );
    });
  channel
    .command('list')
    .description('list sales channels')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }) => {
      const rows = await withServices((s) => s.channels.listChannels());
      const list = rows.map((r) => ({
        sales_channel_id: r.id,
        name: r.name,
        livemode: r.livemode === 1,
        created_at: new Date(r.created_at).toISOString(),
      }));
      output(
        opts.json,
        list,
        list.map((c) => `${c.sales_channel_id}  ${c.livemode ? 'live' : 'test'}  ${c.name}`).join('\n'),
      );
    });

  const key = program.command('key').description('API keys');
  key
    .command('create')
    .description('create another API key for a channel')
    .requiredOption('--channel <id>', 'sales channel id')
    .option('--json', 'print JSON', false)
    .action(async (opts: { channel: string; json: boolean }) => {
      const created = await withServices((s) => s.channels.createKey(opts.channel));
      output(opts.json, created, `API key: ${created.api_key}\nThe key is shown once.`);
    });
  key
    .command('revoke')
    .description('revoke a key by the start of its value')
    .requiredOption('--key-prefix <prefix>', 'the first characters of the key (at least 10)')
    .option('--json', 'print JSON', false)
    .action(async (opts: { keyPrefix: string; json: boolean }) => {
      const revoked = await withServices((s) => s.channels.revokeKey(opts.keyPrefix));
      output(opts.json, { ...revoked, revoked: true }, `revoked key ${revoked.key_prefix}…`);
    });
}
