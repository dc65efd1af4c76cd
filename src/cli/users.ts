import type { Command } from 'commander';
import { output, withServices } from './context.js';

/** Issue 12 item 1 — `qualify user add`: merchant users of the dashboard. */
export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('merchant users of the dashboard');
  user
    .command('add')
    .description('add a user to a sales channel; prints a one-time link to set the password')
    .requiredOption('--channel <id>', 'sales channel id (sc_…)')
    .requiredOption('--email <email>', 'sign-in email')
    .option('--role <role>', 'owner, developer or viewer', 'viewer')
    .option('--json', 'print JSON', false)
    .action(async (opts: { channel: string; email: string; role: string; json: boolean }) => {
      const added = await withServices((s) =>
        s.dashboardAuth.addMember(opts.channel, opts.email, opts.role, { actorType: 'operator' }),
      );
      const human = [
        `user ${added.user_id} ${added.email}: ${added.role} of ${added.sales_channel_id}`,
        ...(added.set_password_url
          ? [`set-password link: ${added.set_password_url}`, 'The link is shown once and works for 7 days.']
          : ['The user already has a password: they sign in at /dashboard.']),
      ].join('\n');
      output(opts.json, added, human);
    });
  user
    .command('reset-mfa')
    .description('remove a user’s authenticator and recovery codes (a lost phone); ends their sessions')
    .requiredOption('--email <email>', 'sign-in email')
    .option('--json', 'print JSON', false)
    .action(async (opts: { email: string; json: boolean }) => {
      const reset = await withServices((s) => s.dashboardAuth.resetSecondFactor(opts.email));
      const human = reset.had_factor
        ? `user ${reset.user_id} ${reset.email}: authenticator removed; they sign in with their password (an owner sets up a new one where it is required)`
        : `user ${reset.user_id} ${reset.email} had no authenticator; their sessions were ended`;
      output(opts.json, reset, human);
    });
}
