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

/** SPEC §4.1 — `qualify clinician add|list`: clinician accounts for the review console. */
export function registerClinicianCommands(program: Command): void {
  const clinician = program.command('clinician').description('clinician accounts for the review console');
  clinician
    .command('add')
    .description('create a clinician account (a password is generated unless --password-stdin)')
    .requiredOption('--email <email>', 'sign-in email')
    .requiredOption('--name <name>', 'full name as printed on letters')
    .requiredOption('--npi <npi>', '10-digit National Provider Identifier')
    .option('--states <codes>', 'licensed US states, comma-separated (e.g. CA,NY)', '')
    .option(
      '--license <state=number>',
      'licence number for a state, repeatable (e.g. --license CA=A12345); the state joins --states',
      collectLicense,
      {} as Record<string, string>,
    )
    .option('--practice-address <text>', 'practice address printed on letters')
    .option('--credentials <text>', 'credentials printed after the name', 'MD')
    .option('--password-stdin', 'read the password from standard input', false)
    .option('--json', 'print JSON', false)
    .action(
      async (opts: {
        email: string;
        name: string;
        npi: string;
        states: string;
        license: Record<string, string>;
        practiceAddress?: string;
        credentials: string;
        passwordStdin: boolean;
        json: boolean;
      }) => {
        const password = opts.passwordStdin ? await readStdin() : undefined;
        const created = await withServices((s) =>
          s.clinicians.add({
            email: opts.email,
            name: opts.name,
            npi: opts.npi,
            credentials: opts.credentials,
            states: opts.states.split(','),
            licenses: opts.license,
            ...(opts.practiceAddress !== undefined ? { practiceAddress: opts.practiceAddress } : {}),
            ...(password !== undefined ? { password } : {}),
          }),
        );
        const human = [
          `clinician ${created.clinician_id} ${created.email} (${created.states.join(', ')})`,
          ...(created.password ? [`password: ${created.password}`, 'The password is shown once.'] : []),
        ].join('\n');
        output(opts.json, created, human);
      },
    );
  clinician
    .command('list')
    .description('list clinician accounts')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }) => {
      const list = await withServices((s) => s.clinicians.list());
      output(
        opts.json,
        list,
        list
          .map((c) => `${c.clinician_id}  ${c.email}  ${c.name}, ${c.credentials}  ${c.states.join(',')}`)
          .join('\n'),
      );
    });
}
