import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase } from '../../src/db/database.js';
import { PhiCipher } from '../../src/phi/phi.cipher.js';
import { SEALED_COLUMNS } from '../../src/phi/sealed-columns.js';
import { createTestDatabase } from '../support/database.js';
import { addLoadClinician, loadTarget, oneSession } from '../support/load.js';
import { newSecret, request, runCli, showHttp, startServerProcess } from '../support/server-process.js';
import { Receiver } from '../webhooks/support.js';

const NO_KEY = '000000000000';

/** Issue 13 item 2 — rotation while a server serves real traffic; afterwards nothing needs the old secret. */
describe('qualify secret rotate under load', () => {
  it('re-seals everything while sessions, letters, notes and webhook secrets are being written', async () => {
    const database = await createTestDatabase();
    const receiver = await new Receiver().listen();
    const oldSecret = newSecret();
    const currentSecret = newSecret();
    const before = { databaseUrl: database.url, secret: oldSecret };
    const during = { ...before, secret: currentSecret, env: { QUALIFY_PREVIOUS_SECRETS: oldSecret } };
    let server = await startServerProcess(before);
    try {
      const channel = await runCli<{ api_key: string }>(
        ['channel', 'create', '--name', 'Rotate', '--json'],
        before,
      );
      addLoadClinician(before);
      const endpoint = await request(server.url, 'POST', '/api/v1/webhook_endpoints', {
        key: channel.api_key,
        body: { url: receiver.url },
      });
      assert.equal(endpoint.status, 200, showHttp(endpoint));
      const endpointId = JSON.parse(endpoint.text).webhook_endpoint_id as string;
      let target = await loadTarget(server.url, channel.api_key);
      const early = [];
      for (let i = 0; i < 6; i++) early.push(await oneSession(target, `old-${i}`));
      await server.stop();

      // Every instance restarts with the new secret first, the old one kept as previous.
      server = await startServerProcess(during);
      const oldLink = new URL(early[0]!.redirectUrl);
      const opened = await fetch(`${server.url}${oldLink.pathname}${oldLink.search}`);
      assert.equal(opened.status, 200, 'a link issued before the rotation still opens');
      target = await loadTarget(server.url, channel.api_key);
      let stop = false;
      let written = 0;
      const load = (async () => {
        for (let i = 0; !stop; i++) {
          await oneSession(target, `new-${i}`);
          if (i % 3 === 0) {
            const rotated = await request(
              server.url,
              'POST',
              `/api/v1/webhook_endpoints/${endpointId}/rotate_secret`,
              {
                key: channel.api_key,
                body: { overlap_seconds: 3600 },
              },
            );
            assert.equal(rotated.status, 200, showHttp(rotated));
          }
          written++;
        }
      })();
      // The rotation starts while sessions are being written, and they go on after it.
      while (written < 1) await new Promise((resolve) => setTimeout(resolve, 50));
      const report = await runCli<{
        complete: boolean;
        previous_secrets_can_be_removed: boolean;
        columns: Array<{ resealed: number }>;
      }>(['secret', 'rotate', '--batch-size', '3', '--json'], during);
      const afterRotation = written;
      while (written < afterRotation + 2) await new Promise((resolve) => setTimeout(resolve, 50));
      stop = true;
      await load;
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

      // No value needs the old secret any more: each opens with the new one alone, in its place.
      const db = openDatabase(database.url);
      try {
        const cipher = new PhiCipher(Buffer.from(currentSecret, 'base64'));
        let values = 0;
        for (const column of SEALED_COLUMNS) {
          let after: string | null = null;
          for (;;) {
            const rows = await column.page(db.db, NO_KEY, after, 200);
            if (rows.length === 0) break;
            for (const row of rows) {
              assert.doesNotThrow(
                () => cipher.decrypt(row.sealed, column.context(row.row_key)),
                `${column.name}:${row.row_key}`,
              );
              values++;
            }
            after = rows.at(-1)!.row_key;
          }
        }
        assert.ok(values >= 17 + 2 * written, `only ${values} sealed values`);
      } finally {
        await db.close();
      }
      // The key check moved: the new secret alone is accepted now.
      server = await startServerProcess({ databaseUrl: database.url, secret: currentSecret });
      const retrieved = await request(server.url, 'GET', `/api/v1/qualification_session/${early[0]!.id}`, {
        key: channel.api_key,
      });
      assert.equal(retrieved.status, 200, showHttp(retrieved));
    } finally {
      await server.stop();
      await receiver.close();
      await database.drop();
    }
  });
});
