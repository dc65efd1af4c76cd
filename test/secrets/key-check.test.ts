import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config.js';
import { migrate, openDatabase } from '../../src/db/database.js';
import { createRepositories } from '../../src/repositories.js';
import { SECRET_MISMATCH, verifyServiceSecret } from '../../src/secrets/key-check.js';
import { createTestApp, TEST_SECRET } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { newSecret, runCli, runCliSync, startServerProcess } from '../support/server-process.js';

const key = (base64: string) => Buffer.from(base64, 'base64');

// Issue 13 item 2 — a changed QUALIFY_SECRET is a start-up error, in the server and in every command.
describe('the key check', () => {
  it('refuses a changed secret in `serve` and in the CLI; a previous secret of a rotation is accepted', async () => {
    const database = await createTestDatabase();
    const original = newSecret();
    const changed = newSecret();
    try {
      // The first start records the secret (in-process here: each spawned command costs seconds).
      const db = openDatabase(database.url);
      try {
        await migrate(db);
        assert.equal(
          await verifyServiceSecret(
            db,
            createRepositories().keyChecks,
            { secret: key(original), previousSecrets: [] },
            1,
          ),
          'current',
        );
      } finally {
        await db.close();
      }

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
      assert.deepEqual(listed, [], 'with the old secret among the previous ones, the command runs');
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
      await assert.rejects(
        verifyServiceSecret(
          t.database,
          createRepositories().keyChecks,
          { secret: key(newSecret()), previousSecrets: [] },
          1,
        ),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.ok(error.message.includes(SECRET_MISMATCH), error.message);
          assert.match(
            error.message,
            /webhook_endpoint_secrets\.secret holds values sealed under another secret/,
          );
          return true;
        },
      );
      assert.equal(await t.database.db.selectFrom('key_checks').selectAll().executeTakeFirst(), undefined);

      // The data is under a previous secret of a rotation: accepted, and said so.
      const rotating = { secret: key(newSecret()), previousSecrets: [key(TEST_SECRET)] };
      assert.equal(
        await verifyServiceSecret(t.database, createRepositories().keyChecks, rotating, 1),
        'previous',
      );
      const row = await t.database.db.selectFrom('key_checks').selectAll().executeTakeFirst();
      assert.ok(row, 'the first start with a secret that opens the data records the check');
      assert.ok(!row.check_value.includes(TEST_SECRET), 'the check value is not the secret');
      assert.equal(
        await verifyServiceSecret(
          t.database,
          createRepositories().keyChecks,
          { secret: key(TEST_SECRET), previousSecrets: [] },
          2,
        ),
        'current',
      );
    } finally {
      await t.close();
    }
  });
});
