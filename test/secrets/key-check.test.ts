import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SECRET_MISMATCH } from '../../src/secrets/key-check.js';
import { createTestApp, TEST_SECRET } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { newSecret, runCli, runCliSync, startServerProcess } from '../support/server-process.js';

// Issue 13 item 2 — a changed QUALIFY_SECRET is a start-up error, in the server and in every command.
describe('the key check', () => {
  it('refuses a changed secret in `serve` and in the CLI; a previous secret of a rotation is accepted', async () => {
    const database = await createTestDatabase();
    const original = newSecret();
    const changed = newSecret();
    try {
      const channel = await runCli<{ api_key: string }>(['channel', 'create', '--name', 'Keys', '--json'], {
        databaseUrl: database.url,
        secret: original,
      });
      assert.match(channel.api_key, /^qk_test_/);

      for (const args of [['channel', 'list', '--json'], ['migrate']]) {
        const refused = runCliSync(args, { databaseUrl: database.url, secret: changed });
        assert.equal(refused.status, 1, `qualify ${args.join(' ')}: ${refused.stdout}${refused.stderr}`);
        assert.ok(refused.stderr.includes(SECRET_MISMATCH), refused.stderr);
      }
      await assert.rejects(
        startServerProcess({ databaseUrl: database.url, secret: changed }),
        (error: Error) => {
          assert.ok(error.message.includes(SECRET_MISMATCH), error.message);
          assert.match(error.message, /exited \(1\)/);
          return true;
        },
      );

      const rotating = {
        databaseUrl: database.url,
        secret: changed,
        env: { QUALIFY_PREVIOUS_SECRETS: original },
      };
      const listed = await runCli<unknown[]>(['channel', 'list', '--json'], rotating);
      assert.equal(listed.length, 1, 'with the old secret among the previous ones, the command runs');
    } finally {
      await database.drop();
    }
  });

  it('checks the sealed values of a database that predates the key check', async () => {
    const t = await createTestApp();
    try {
      const channel = await t.channel();
      // A sealed webhook secret under TEST_SECRET, and no key check row (the test app never writes one).
      await t.services.webhookEndpoints.create(channel.channelId, { url: 'https://93.184.215.14/hooks' });
      const other = runCliSync(['channel', 'list', '--json'], {
        databaseUrl: t.testDatabase.url,
        secret: newSecret(),
      });
      assert.equal(other.status, 1, other.stdout);
      assert.ok(other.stderr.includes(SECRET_MISMATCH), other.stderr);
      assert.match(other.stderr, /webhook_endpoint_secrets\.secret holds values sealed under another secret/);
      assert.equal(await t.database.db.selectFrom('key_checks').selectAll().executeTakeFirst(), undefined);

      const same = runCliSync(['channel', 'list', '--json'], {
        databaseUrl: t.testDatabase.url,
        secret: TEST_SECRET,
      });
      assert.equal(same.status, 0, same.stderr);
      const row = await t.database.db.selectFrom('key_checks').selectAll().executeTakeFirst();
      assert.ok(row, 'the first command with the right secret records the check');
      assert.ok(!row.check_value.includes(TEST_SECRET), 'the check value is not the secret');
    } finally {
      await t.close();
    }
  });
});
