import type { Command } from 'commander';
import { DAY_MS } from '../lib/clock.js';
import { output, withDatabase, withServices } from './context.js';
import { createProgress } from './progress.js';

/** SPEC §1.8 — idempotency records are kept at least this long. */
const IDEMPOTENCY_RETENTION_DAYS = 30;

export function registerOpsCommands(program: Command): void {
  program
    .command('serve')
    .description('migrate, then serve the API, survey and console')
    .action(async () => {
      const [{ loadConfig }, { startServer }] = await Promise.all([
        import('../config.js'),
        import('../server.js'),
      ]);
      const server = await startServer(loadConfig());
      const shutdown = (signal: string) => {
        server.app.log.info({ signal }, 'shutting down');
        server.stop().then(
          () => process.exit(0),
          (error) => {
            server.app.log.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    });

  program
    .command('migrate')
    .description('apply pending database migrations')
    .option('--json', 'print JSON', false)
    .action(async (opts: { json: boolean }) => {
      const applied = await withDatabase(async (_database, _config, { applied: migrated }) => migrated);
      output(
        opts.json,
        { applied },
        applied.length ? `applied ${applied.join(', ')}` : 'database is up to date',
      );
    });

  program
    .command('prune')
    .description(`remove idempotency records older than ${IDEMPOTENCY_RETENTION_DAYS} days`)
    .option('--days <n>', 'retention in days (at least 30)', String(IDEMPOTENCY_RETENTION_DAYS))
    .option('--json', 'print JSON', false)
    .action(async (opts: { days: string; json: boolean }) => {
      const days = Number(opts.days);
      if (!Number.isInteger(days) || days < IDEMPOTENCY_RETENTION_DAYS) {
        throw new Error(`--days must be an integer of at least ${IDEMPOTENCY_RETENTION_DAYS}`);
      }
      const progress = createProgress(opts);
      progress.update(`removing idempotency records older than ${days} days…`);
      const removed = await withServices((s) => s.idempotency.prune(days * DAY_MS));
      progress.done();
      output(opts.json, { idempotency_keys_removed: removed }, `removed ${removed} idempotency records`);
    });
}
