import type { Command } from 'commander';

/** Issue 14 item 6 — `qualify doctor`; exit code 1 when any check fails. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check configuration, database, migrations, secret, file modes, SMTP, PUBLIC_URL, webhooks')
    .option('--json', 'print JSON', false)
    .option('--timeout <ms>', 'give network checks this long', '5000')
    .action(async (opts: { json: boolean; timeout: string }) => {
      const timeoutMs = Number(opts.timeout);
      if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
        throw new Error('--timeout must be a number of milliseconds');
      const { formatChecks, runDoctor } = await import('../doctor/doctor.js');
      const checks = await runDoctor({ timeoutMs });
      const ok = checks.every((check) => check.status !== 'fail');
      process.stdout.write(
        opts.json ? `${JSON.stringify({ ok, checks }, null, 2)}\n` : `${formatChecks(checks)}\n`,
      );
      if (!ok) process.exitCode = 1;
    });
}
