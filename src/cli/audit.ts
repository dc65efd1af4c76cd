import type { Command } from 'commander';
import { output, withServices } from './context.js';

/**
 * SPEC §2.6, issue 11 item 7 — `qualify audit verify [--checkpoint <seq:mac>]` walks the chain; a
 * modified or missing row, or a log rewritten or truncated behind the checkpoint, fails it.
 * `qualify audit checkpoint` prints the head to keep somewhere the database's writers cannot reach.
 */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the HMAC-chained audit log');
  audit
    .command('verify')
    .description('check every row of the audit log against the chain (and a checkpoint kept earlier)')
    .option('--checkpoint <value>', 'a value printed by `qualify audit checkpoint` (<seq>:<mac>)')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean; checkpoint?: string }) => {
      const result = await withServices((s) => s.audit.verify(opts.checkpoint));
      if (result.ok) {
        output(
          opts.json,
          result,
          `audit log OK: ${result.rows} rows, head ${result.head}${opts.checkpoint ? ' (checkpoint matches)' : ''}`,
        );
        return;
      }
      if (opts.json) output(true, result, '');
      throw new Error(`audit log verification FAILED at row ${result.seq}: ${result.problem}`);
    });
  audit
    .command('checkpoint')
    .description('print the current head of the audit log (<seq>:<mac>) to keep outside the database')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }) => {
      const head = await withServices((s) => s.audit.checkpoint());
      output(opts.json, head, head.checkpoint);
    });
}
