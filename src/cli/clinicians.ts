import { type Command, InvalidArgumentError } from 'commander';
import { output, withServices } from './context.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline is how `echo` and here-strings end; it is not part of the password.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** `--license CA=A12345`, repeatable: collected into one object. */
function collectLicense(value: string, previous: Record<string, string>): Record<string, string> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError('expected STATE=NUMBER, e.g. CA=A12345');
  return { ...previous, [value.slice(0, at).trim().toUpperCase()]: value.slice(at + 1).trim() };
}

const list = (text: string | undefined) => (text === undefined ? undefined : text.split(','));

/**
 * SPEC §4.1, issue 11 item 1 — `qualify clinician add|edit|disable|enable|reset-password|list`:
 * console accounts (clinicians and admins). No password is ever printed: without
 * `--password-stdin` the account gets a one-time link (valid one hour) to choose its own.
 */
export function registerClinicianCommands(program: Command): void {
  const clinician = program
    .command('clinician')
    .description('clinician and admin accounts for the review console');
  clinician
    .command('add')
    .description('create an account (prints a one-time link to set the password, unless --password-stdin)')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--name <name>', 'full name as printed on letters')
    .option('--npi <npi>', '10-digit National Provider Identifier (required for clinicians)')
    .option('--states <codes>', 'licensed US states, comma-separated (e.g. CA,NY; required for clinicians)')
    .option(
      '--license <state=number>',
      'licence number for a state, repeatable (e.g. --license CA=A12345); the state joins --states',
      collectLicense,
      {} as Record<string, string>,
    )
    .option('--practice-address <text>', 'practice address printed on letters')
    .option('--credentials <text>', 'credentials printed after the name', 'MD')
    .option('--role <role>', 'clinician or admin', 'clinician')
    .option(
      '--sandbox <access>',
      'queues: none (live only), also (live and Sandbox), only (Sandbox only)',
      'none',
    )
    .option('--password-stdin', 'read the password from standard input', false)
    .option('--json', 'print JSON', false)
    .action(
      async (opts: {
        email: string;
        name: string;
        npi?: string;
        states?: string;
        license: Record<string, string>;
        practiceAddress?: string;
        credentials: string;
        role: string;
        sandbox: string;
        passwordStdin: boolean;
        json: boolean;
      }) => {
        const password = opts.passwordStdin ? await readStdin() : undefined;
        const result = await withServices(async (s) => {
          const created = await s.clinicians.add({
            email: opts.email,
            name: opts.name,
            ...(opts.npi !== undefined ? { npi: opts.npi } : {}),
            credentials: opts.credentials,
            states: list(opts.states) ?? [],
            licenses: opts.license,
            ...(opts.practiceAddress !== undefined ? { practiceAddress: opts.practiceAddress } : {}),
            role: opts.role as never,
            sandbox: opts.sandbox as never,
            ...(password !== undefined ? { password } : {}),
          });
          const { password: _unused, ...account } = created;
          if (password !== undefined) return { ...account };
          const reset = await s.clinicians.startPasswordReset(created.clinician_id, { type: 'operator' });
          return {
            ...account,
            password_link: `${s.config.publicUrl}/console/reset/${reset.token}`,
            password_link_expires_at: new Date(reset.expiresAt).toISOString(),
          };
        });
        const human = [
          `${result.role} ${result.clinician_id} ${result.email}${result.states.length ? ` (${result.states.join(', ')})` : ''}`,
          ...('password_link' in result
            ? [
                `Set the password (one use, within one hour): ${result.password_link}`,
                'Give this link to the account holder only.',
              ]
            : []),
        ].join('\n');
        output(opts.json, result, human);
      },
    );
  clinician
    .command('edit <account>')
    .description(
      'change an account (by email or id): name, credentials, NPI, states, licences, address, role, queues',
    )
    .option('--name <name>', 'full name as printed on letters')
    .option('--credentials <text>', 'credentials printed after the name')
    .option('--npi <npi>', '10-digit National Provider Identifier')
    .option('--states <codes>', 'licensed US states, comma-separated (replaces the list)')
    .option(
      '--license <state=number>',
      'licence number for a state, repeatable (replaces every licence number); the state joins --states',
      collectLicense,
    )
    .option('--practice-address <text>', 'practice address printed on letters')
    .option('--role <role>', 'clinician or admin')
    .option('--sandbox <access>', 'queues: none, also or only')
    .option('--json', 'print JSON', false)
    .action(
      async (
        account: string,
        opts: {
          name?: string;
          credentials?: string;
          npi?: string;
          states?: string;
          license?: Record<string, string>;
          practiceAddress?: string;
          role?: string;
          sandbox?: string;
          json: boolean;
        },
      ) => {
        const { json, states, license, ...rest } = opts;
        const edited = await withServices((s) =>
          s.clinicians.edit(
            account,
            {
              ...(rest as object),
              ...(states !== undefined ? { states: list(states) } : {}),
              ...(license !== undefined ? { licenses: license } : {}),
            },
            { type: 'operator' },
          ),
        );
        output(json, edited, `updated ${edited.clinician_id} ${edited.email}`);
      },
    );
  for (const action of ['disable', 'enable'] as const) {
    clinician
      .command(`${action} <account>`)
      .description(
        action === 'disable'
          ? 'disable an account (by email or id); its open console sessions end at once'
          : 'enable a disabled account again',
      )
      .option('--json', 'print JSON', false)
      .action(async (account: string, opts: { json: boolean }) => {
        const result = await withServices((s) =>
          s.clinicians.setDisabled(account, action === 'disable', { type: 'operator' }),
        );
        output(opts.json, result, `${action}d ${result.clinician_id} ${result.email}`);
      });
  }
  clinician
    .command('reset-password <account>')
    .description('print a one-time link (valid one hour) for the account to choose a new password')
    .option('--reset-mfa', 'also remove the second factor: the next sign-in enrols a new one', false)
    .option('--json', 'print JSON', false)
    .action(async (account: string, opts: { resetMfa: boolean; json: boolean }) => {
      const result = await withServices(async (s) => {
        const reset = await s.clinicians.startPasswordReset(
          account,
          { type: 'operator' },
          { resetMfa: opts.resetMfa },
        );
        return {
          clinician_id: reset.clinician.clinician_id,
          email: reset.clinician.email,
          password_link: `${s.config.publicUrl}/console/reset/${reset.token}`,
          expires_at: new Date(reset.expiresAt).toISOString(),
        };
      });
      output(
        opts.json,
        result,
        `Password-reset link for ${result.email} (one use, until ${result.expires_at}):\n${result.password_link}`,
      );
    });
  clinician
    .command('list')
    .description('list console accounts')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }) => {
      const accounts = await withServices((s) => s.clinicians.list());
      output(
        opts.json,
        accounts,
        accounts
          .map(
            (c) =>
              `${c.clinician_id}  ${c.email}  ${c.name}, ${c.credentials}  ${c.role}  ${c.states.join(',') || '-'}  sandbox:${c.sandbox}${c.disabled ? '  DISABLED' : ''}`,
          )
          .join('\n'),
      );
    });
}
