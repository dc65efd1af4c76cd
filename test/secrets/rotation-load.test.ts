import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase } from '../../src/db/database.js';
import { PhiCipher } from '../../src/phi/phi.cipher.js';
import { createRepositories } from '../../src/repositories.js';
import { verifyServiceSecret } from '../../src/secrets/key-check.js';
import { createTestDatabase } from '../support/database.js';
import { loadTarget, oneSession, prepareLoad, runLoad, seedLoad } from '../support/load.js';
import { openEverySealedValue } from '../support/sealed.js';
import { newSecret, request, runCli, showHttp, startServerProcess } from '../support/server-process.js';
import { Receiver } from '../webhooks/support.js';

/** Issue 13 item 2 — rotation while a server serves real traffic; afterwards nothing needs the old secret. */
describe('qualify secret rotate under load', () => {
  it('re-seals everything while sessions, letters, notes and webhook secrets are being written', async () => {
    const database = await createTestDatabase();
    const receiver = await new Receiver().listen();
    const oldSecret = newSecret();
    const currentSecret = newSecret();
    const before = { databaseUrl: database.url, secret: oldSecret };
    const during = { ...before, secret: currentSecret, env: { QUALIFY_PREVIOUS_SECRETS: oldSecret } };
    const { apiKey } = await seedLoad(before);
    let server = await startServerProcess(before);
    try {
      const { endpointId, target } = await prepareLoad(server.url, apiKey, receiver.url);
      const early = [];
      for (let i = 0; i < 6; i++) early.push(await oneSession(target, `old-${i}`));
      await server.stop();

      // Every instance restarts with the new secret first, the old one kept as previous.
      server = await startServerProcess(during);
      const oldLink = new URL(early[0]!.redirectUrl);
      const opened = await fetch(`${server.url}${oldLink.pathname}${oldLink.search}`);
      assert.equal(opened.status, 200, 'a link issued before the rotation still opens');
      const serving = server;
      const load = runLoad(await loadTarget(serving.url, apiKey), 'new', async (i) => {
        if (i % 3 !== 0) return;
        const rotated = await request(
          serving.url,
          'POST',
          `/api/v1/webhook_endpoints/${endpointId}/rotate_secret`,
          {
            key: apiKey,
            body: { overlap_seconds: 3600 },
          },
        );
        assert.equal(rotated.status, 200, showHttp(rotated));
      });
      // The rotation starts while sessions are being written, and they go on after it.
      await load.reach(1);
      const report = await runCli<{
        complete: boolean;
        previous_secrets_can_be_removed: boolean;
        columns: Array<{ resealed: number }>;
      }>(['secret', 'rotate', '--batch-size', '3', '--json'], during);
      await load.reach(load.done.length + 2);
      await load.stop();
      const written = load.done.length;
      assert.equal(report.complete, true, JSON.stringify(report));
      assert.equal(report.previous_secrets_can_be_removed, true);
      const resealed = report.columns.reduce((n, c) => n + c.resealed, 0);
      // 6 answers, 6 notes, 4 letters and 1 webhook secret were sealed under the old key.
      assert.ok(resealed >= 17, `re-encrypted ${resealed}`);
      await receiver.waitFor(6 + written);
      assert.ok(
        !server.stdout().includes('webhook delivery crashed'),
        'a delivery failed to read its secret',
      );
      await server.stop();

      // No value needs the old secret any more: each opens with the new one alone, in its place,
      // and the key check moved: the new secret alone is accepted now.
      const db = openDatabase(database.url);
      try {
        const opened = await openEverySealedValue(db.db, new PhiCipher(Buffer.from(currentSecret, 'base64')));
        assert.deepEqual(opened.unreadable, []);
        assert.ok(opened.values >= 17 + 2 * written, `only ${opened.values} sealed values`);
        const alone = { secret: Buffer.from(currentSecret, 'base64'), previousSecrets: [] };
        assert.equal(
          await verifyServiceSecret(db, createRepositories().keyChecks, alone, Date.now()),
          'current',
        );
      } finally {
        await db.close();
      }
    } finally {
      await server.stop();
      await receiver.close();
      await database.drop();
    }
  });
});
