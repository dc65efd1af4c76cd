import type { Command } from 'commander';
import type { BackupResult } from '../backup/backup.service.js';
import { output } from './context.js';
import { createProgress } from './progress.js';

// Loaded when the command runs: `qualify --help` stays light.
const load = () => Promise.all([import('../backup/backup.service.js'), import('../config.js')]);

const summary = (r: BackupResult) =>
  `${r.sessions} sessions, ${r.letters} letters, ${r.deliveries} webhook deliveries; ${(r.bytes / 1_048_576).toFixed(1)} MiB`;

/** Issue 13 item 8 — `qualify backup <file>` and `qualify restore <file>` (SQLite; PostgreSQL has pg_dump). */
export function registerBackupCommands(program: Command): void {
  program
    .command('backup <file>')
    .description('consistent copy of the SQLite database, safe while the server runs (PostgreSQL: pg_dump)')
    .option('--force', 'replace <file> if it exists', false)
    .option('--json', 'print JSON', false)
    .action(async (file: string, opts: { force: boolean; json: boolean }) => {
      const [{ backupDatabase }, { loadConfig }] = await load();
      const progress = createProgress(opts);
      const result = await backupDatabase(loadConfig(), file, {
        ...opts,
        onStep: (step) => progress.update(step),
      });
      progress.done();
      output(
        opts.json,
        result,
        `backed up to ${result.file} (${summary(result)}).\nThe health data in it is encrypted: keep QUALIFY_SECRET (or ./data/secret) safe, and apart from the backup.`,
      );
    });

  program
    .command('restore <file>')
    .description('replace the SQLite database with a backup; refuses while a server or command has it open')
    .option('--force', 'replace an existing database', false)
    .option('--json', 'print JSON', false)
    .action(async (file: string, opts: { force: boolean; json: boolean }) => {
      const [{ restoreDatabase }, { loadConfig }] = await load();
      const result = await restoreDatabase(loadConfig(), file, opts);
      output(
        opts.json,
        result,
        `restored ${file} into ${result.file} (${summary(result)}). Start the server with the same QUALIFY_SECRET.`,
      );
    });
}
