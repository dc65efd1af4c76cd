import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { restoreDatabase } from '../../src/backup/backup.service.js';
import { openDatabase } from '../../src/db/database.js';
import { testConfig } from '../support/app.js';
import { createTestDatabase, TEST_ENGINE } from '../support/database.js';
import { prepareLoad, runLoad, seedLoad } from '../support/load.js';
import {
  newSecret,
  request,
  runCli,
  runCliSync,
  showHttp,
  startServerProcess,
} from '../support/server-process.js';
import { Receiver } from '../webhooks/support.js';

// Issue 13 item 8 — an online backup under write load, restored into a fresh directory.
describe('qualify backup and restore', {
  skip: TEST_ENGINE !== 'sqlite' && 'SQLite only: see the PostgreSQL case',
}, () => {
  it('copies the database while a server writes; the copy restores with every session, letter and delivery', async () => {
    const database = await createTestDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'qualify-backup-'));
    const receiver = await new Receiver().listen();
    const secret = newSecret();
    const live = { databaseUrl: database.url, secret };
    const { apiKey } = await seedLoad(live);
    const server = await startServerProcess(live);
    let restored: Awaited<ReturnType<typeof startServerProcess>> | undefined;
    try {
      const { target } = await prepareLoad(server.url, apiKey, receiver.url);
      const load = runLoad(target, 's');
      await load.reach(3);
      // Everything finished before the backup starts must be in it; the load goes on meanwhile.
      const before = [...load.done];
      const backupFile = join(dir, 'qualify-backup.db');
      const backup = await runCli<{ file: string; sessions: number; letters: number }>(
        ['backup', backupFile, '--json'],
        live,
      );
      await load.reach(load.done.length + 2);
      await load.stop();
      assert.equal(statSync(backupFile).mode & 0o777, 0o600);
      assert.ok(backup.sessions >= before.length, JSON.stringify(backup));

      // A running instance's database is never overwritten.
      const refused = runCliSync(['restore', backupFile, '--force'], live);
      assert.equal(refused.status, 1, refused.stdout);
      assert.match(refused.stderr, /is open in a running Qualify/);
      const freshFile = join(dir, 'restored', 'data', 'qualify.db');
      const fresh = { databaseUrl: `sqlite:${freshFile}`, secret };
      const freshConfig = testConfig(fresh.databaseUrl, { QUALIFY_SECRET: secret });
      const notQualify = join(dir, 'junk.db');
      writeFileSync(notQualify, 'not a database at all, just text that is long enough to be a header');
      await assert.rejects(
        restoreDatabase(freshConfig, notQualify, { force: false }),
        /is not a (SQLite|Qualify) database/,
      );
      await assert.rejects(
        restoreDatabase(testConfig(fresh.databaseUrl, { QUALIFY_SECRET: newSecret() }), backupFile, {
          force: false,
        }),
        /was made under another QUALIFY_SECRET/,
      );

      const restoredInfo = await runCli<{ file: string; sessions: number }>(
        ['restore', backupFile, '--json'],
        fresh,
      );
      assert.equal(restoredInfo.file, freshFile);
      assert.equal(restoredInfo.sessions, backup.sessions);
      assert.equal(statSync(freshFile).mode & 0o777, 0o600);
      assert.equal(statSync(join(dir, 'restored', 'data')).mode & 0o777, 0o700);
      await assert.rejects(
        restoreDatabase(freshConfig, backupFile, { force: false }),
        /exists; --force replaces it/,
      );

      const copy = openDatabase(fresh.databaseUrl);
      const deliveries = await copy.db
        .selectFrom('webhook_deliveries')
        .select(['session_id', 'event_type'])
        .execute()
        .finally(() => copy.close());
      restored = await startServerProcess(fresh);
      for (const session of before) {
        const got = await request(restored.url, 'GET', `/api/v1/qualification_session/${session.id}`, {
          key: apiKey,
        });
        assert.equal(got.status, 200, showHttp(got));
        const status = JSON.parse(got.text).status;
        assert.equal(status, session.decision === 'approve' ? 'approved' : 'rejected', got.text);
        const link = new URL(session.redirectUrl);
        const page: Response = await fetch(`${restored.url}${link.pathname}${link.search}`);
        const html = await page.text();
        assert.equal(page.status, 200, html.slice(0, 300));
        if (session.decision === 'approve')
          assert.match(
            html,
            /Letter of Medical Necessity/,
            'the letter (its sealed clinical text too) is intact',
          );
        const hooks = deliveries.filter((d) => d.session_id === session.id);
        assert.deepEqual(
          hooks.map((d) => d.event_type),
          ['qualification_session.complete'],
          `deliveries of ${session.id}`,
        );
      }
      // Consistent at one instant: every decided session in the copy has its event and delivery.
      const listed = await request(restored.url, 'GET', '/api/v1/qualification_sessions?page_size=100', {
        key: apiKey,
      });
      const sessions = JSON.parse(listed.text).qualification_sessions as Array<{
        qualification_session_id: string;
        status: string;
      }>;
      assert.equal(sessions.length, backup.sessions);
      for (const s of sessions.filter((x) => x.status === 'approved' || x.status === 'rejected'))
        assert.ok(
          deliveries.some((d) => d.session_id === s.qualification_session_id),
          `${s.qualification_session_id} is ${s.status} but has no delivery`,
        );
    } finally {
      await restored?.stop();
      await server.stop();
      await receiver.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('qualify backup and restore on PostgreSQL', {
  skip: TEST_ENGINE !== 'postgres' && 'PostgreSQL only',
}, () => {
  it('point to pg_dump and pg_restore', async () => {
    const database = await createTestDatabase();
    try {
      const options = { databaseUrl: database.url, secret: newSecret() };
      const backup = runCliSync(['backup', join(tmpdir(), 'never.db')], options);
      assert.equal(backup.status, 1);
      assert.match(backup.stderr, /PostgreSQL: back it up with pg_dump/);
      const restore = runCliSync(['restore', join(tmpdir(), 'never.db')], options);
      assert.equal(restore.status, 1);
      assert.match(restore.stderr, /PostgreSQL: restore with pg_restore/);
    } finally {
      await database.drop();
    }
  });
});
