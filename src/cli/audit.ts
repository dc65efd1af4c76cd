import type { Command } from 'commander';
import { output, withServices } from './context.js';

/** SPEC §2.6 — `qualify audit verify` walks the hash chain; a modified or missing row fails it. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description('check every row of the audit log against the hash chain')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }) => {
      const result = await withServices((s) => s.audit.verify());
      if (result.ok) {
        output(opts.json, result, `audit log OK: ${result.rows} rows, head ${result.head}`);
        return;
      }
      if (opts.json) output(true, result, '');
      throw new Error(`audit log verification FAILED at row ${result.seq}: ${result.problem}`);
    });
}
