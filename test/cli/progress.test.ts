import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProgress } from '../../src/cli/progress.js';
import { createTestDatabase } from '../support/database.js';
import { newSecret, runCliSync } from '../support/server-process.js';

/** Issue 14 item 6 — long CLI jobs show progress on a terminal and stay quiet otherwise. */
describe('CLI progress', () => {
  const fakeStream = (isTTY: boolean) => {
    const written: string[] = [];
    return { stream: { isTTY, write: (text: string) => written.push(text) }, written };
  };

  it('on a terminal: one line rewritten in place, cleared at the end', () => {
    const { stream, written } = fakeStream(true);
    const progress = createProgress({ json: false }, stream);
    progress.update('re-encrypting survey_responses.answers: 500 done');
    progress.update('re-encrypting survey_responses.answers: 1000 done');
    progress.done();
    assert.deepEqual(written, [
      '\r\x1b[2Kre-encrypting survey_responses.answers: 500 done',
      '\r\x1b[2Kre-encrypting survey_responses.answers: 1000 done',
      '\r\x1b[2K',
    ]);
  });

  it('quiet with --json, and when stderr is not a terminal', () => {
    for (const [json, tty] of [
      [true, true],
      [false, false],
    ] as const) {
      const { stream, written } = fakeStream(tty);
      const progress = createProgress({ json }, stream);
      progress.update('copying…');
      progress.done();
      assert.deepEqual(written, [], `json ${json}, tty ${tty}`);
    }
  });

  it('prune and secret rotate through a pipe: stderr stays empty, stdout is only the result', async () => {
    const database = await createTestDatabase();
    try {
      const options = { databaseUrl: database.url, secret: newSecret() };
      const prune = runCliSync(['prune', '--json'], options);
      assert.equal(prune.status, 0, prune.stderr);
      assert.equal(prune.stderr, '');
      assert.deepEqual(JSON.parse(prune.stdout), { idempotency_keys_removed: 0 });
      const rotate = runCliSync(['secret', 'rotate'], options);
      assert.equal(rotate.status, 0, rotate.stderr);
      assert.equal(rotate.stderr, '', rotate.stderr);
      assert.match(rotate.stdout, /now sealed under the current QUALIFY_SECRET/, rotate.stdout);
    } finally {
      await database.drop();
    }
  });
});
