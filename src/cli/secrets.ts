import type { Command } from 'commander';
import { output, withServices } from './context.js';
import { createProgress } from './progress.js';

/**
 * Issue 13 item 2 — `qualify secret rotate`. Start every instance with the new QUALIFY_SECRET and
 * the old one in QUALIFY_PREVIOUS_SECRETS first; then this re-seals everything under the new one.
 */
export function registerSecretCommands(program: Command): void {
  const secret = program.command('secret').description('the service secret (QUALIFY_SECRET)');
  secret
    .command('rotate')
    .description('re-encrypt every encrypted value and webhook secret under the current QUALIFY_SECRET')
    .option('--batch-size <n>', 'rows per transaction', '500')
    .option('--json', 'print JSON', false)
    .action(async (opts: { batchSize: string; json: boolean }) => {
      const batchSize = Number(opts.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000)
        throw new Error('--batch-size must be an integer from 1 to 10000');
      const [{ PhiCipher }, { moveKeyCheckToCurrent }, { rotateSecrets }] = await Promise.all([
        import('../phi/phi.cipher.js'),
        import('../secrets/key-check.js'),
        import('../secrets/rotation.service.js'),
      ]);
      const progress = createProgress(opts);
      const { report, previous } = await withServices(async (s) => {
        const cipher = new PhiCipher(s.config.secret, s.config.previousSecrets);
        const report = await rotateSecrets(s.database, cipher, {
          batchSize,
          onBatch: (column, done) => progress.update(`re-encrypting ${column}: ${done.resealed} done`),
        });
        progress.done();
        if (report.complete)
          await moveKeyCheckToCurrent(s.database, s.repositories.keyChecks, s.config, s.clock.now());
        return { report, previous: s.config.previousSecrets.length };
      });
      const resealed = report.columns.reduce((sum, c) => sum + c.resealed, 0);
      if (!report.complete) {
        if (opts.json) output(true, report, '');
        const why =
          report.unreadable.length > 0
            ? `${report.unreadable.length} value(s) open with no configured secret (${report.unreadable.join(', ')}): add the secret that sealed them to QUALIFY_PREVIOUS_SECRETS`
            : `${report.remaining} value(s) keep being written under an old secret: restart every instance with the new QUALIFY_SECRET, then run this again`;
        throw new Error(`rotation incomplete after ${resealed} re-encrypted: ${why}`);
      }
      output(
        opts.json,
        { ...report, previous_secrets_can_be_removed: true },
        [
          ...report.columns.map((c) => `  ${c.column}: ${c.resealed} re-encrypted`),
          `Every encrypted value and webhook secret is now sealed under the current QUALIFY_SECRET (${resealed} re-encrypted).`,
          previous > 0
            ? 'QUALIFY_PREVIOUS_SECRETS can be removed now; restart the instances afterwards. Shopper links issued before the rotation stop working then (the API returns the new redirect_url).'
            : 'No previous secrets are configured.',
        ].join('\n'),
      );
    });
}
