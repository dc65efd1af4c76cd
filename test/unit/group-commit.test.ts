import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { type Database, openDatabase } from '../../src/db/database.js';
import { type Tx, transact } from '../../src/db/transaction.js';
import { createTestDatabase, TEST_ENGINE, type TestDatabase } from '../support/database.js';

// SQLite group commit (src/db/transaction.ts): transactions that queue behind a running one share
// one BEGIN … COMMIT, each in a savepoint, with the semantics of running one after another.
describe('SQLite group commit', { skip: TEST_ENGINE !== 'sqlite' }, () => {
  let testDatabase: TestDatabase;
  let database: Database;

  before(async () => {
    testDatabase = await createTestDatabase();
    database = openDatabase(testDatabase.url);
    await sql`CREATE TABLE gc_rows (id TEXT PRIMARY KEY)`.execute(database.db);
    await sql`CREATE TABLE gc_parents (id TEXT PRIMARY KEY)`.execute(database.db);
    // Checked at COMMIT: a way to make the shared COMMIT fail.
    await sql`CREATE TABLE gc_children (id TEXT PRIMARY KEY, parent TEXT REFERENCES gc_parents (id) DEFERRABLE INITIALLY DEFERRED)`.execute(
      database.db,
    );
  });

  after(async () => {
    await database.close();
    await testDatabase.drop();
  });

  beforeEach(async () => {
    await sql`DELETE FROM gc_rows`.execute(database.db);
    await sql`DELETE FROM gc_children`.execute(database.db);
  });

  const insert = (tx: Tx, id: string) => sql`INSERT INTO gc_rows (id) VALUES (${id})`.execute(tx.db);
  const seen = async (tx: Tx) =>
    (await sql<{ id: string }>`SELECT id FROM gc_rows ORDER BY id`.execute(tx.db)).rows.map((r) => r.id);
  const committed = async () =>
    (await sql<{ id: string }>`SELECT id FROM gc_rows ORDER BY id`.execute(database.db)).rows.map(
      (r) => r.id,
    );

  /** A transaction that holds the connection until `release`, so the next calls queue and batch. */
  function blocker(id: string, events: string[]) {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const done = transact(database, async (tx) => {
      await insert(tx, id);
      tx.afterCommit(() => events.push(`commit ${id}`));
      await gate;
      return id;
    });
    return { done, release };
  }

  it('runs a lone transaction at once, with its result, afterCommit and rollback as before', async () => {
    let started = false;
    const events: string[] = [];
    const done = transact(database, async (tx) => {
      started = true;
      await insert(tx, 'a');
      tx.afterCommit(() => events.push('commit a'));
      return 'a';
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(started, 'the work started before any timer or I/O callback');
    assert.equal(await done, 'a');
    assert.deepEqual(events, ['commit a']);
    await assert.rejects(
      transact(database, async (tx) => {
        await insert(tx, 'b');
        tx.afterCommit(() => events.push('commit b'));
        throw new Error('no b');
      }),
      /no b/,
    );
    assert.deepEqual(events, ['commit a']);
    assert.deepEqual(await committed(), ['a']);
  });

  it('rolls a throwing unit back to its savepoint; the others commit and see earlier units’ writes', async () => {
    const events: string[] = [];
    const first = blocker('a', events);
    const second = transact(database, async (tx) => {
      await insert(tx, 'b');
      tx.afterCommit(() => events.push('commit b'));
      return 'b';
    });
    const third = transact(database, async (tx) => {
      await insert(tx, 'c');
      tx.afterCommit(() => events.push('commit c'));
      throw new Error('no c');
    });
    const fourth = transact(database, async (tx) => {
      const before = await seen(tx);
      events.push(`d sees ${before.join(',')}`);
      await insert(tx, 'd');
      tx.afterCommit(() => events.push('commit d'));
      return before;
    });
    first.release();
    assert.equal(await first.done, 'a');
    assert.equal(await second, 'b');
    await assert.rejects(third, /no c/);
    assert.deepEqual(await fourth, ['a', 'b']);
    assert.deepEqual(await committed(), ['a', 'b', 'd']);
    // b's callback runs after d ran: b and d shared one transaction, committed after d.
    assert.deepEqual(events, ['commit a', 'd sees a,b', 'commit b', 'commit d']);
  });

  it('batches back-to-back transactions asked for in the same event-loop turn', async () => {
    const events: string[] = [];
    await transact(database, (tx) => insert(tx, 'a'));
    // Another request, read in this turn, asks for its transaction after this one.
    let third: Promise<string[]> | undefined;
    setImmediate(() => {
      third = transact(database, async (tx) => {
        events.push('c runs');
        await insert(tx, 'c');
        return seen(tx);
      });
    });
    const second = transact(database, async (tx) => {
      await insert(tx, 'b');
      tx.afterCommit(() => events.push('commit b'));
      return 'b';
    });
    assert.equal(await second, 'b');
    assert.deepEqual(await third, ['a', 'b', 'c']);
    assert.deepEqual(events, ['c runs', 'commit b'], 'b committed together with c');
  });

  it('keeps the order of calls across batches larger than one batch holds', async () => {
    const events: string[] = [];
    const first = blocker('000', events);
    const counts = Array.from({ length: 70 }, (_, i) =>
      transact(database, async (tx) => {
        const before = (await seen(tx)).length;
        await insert(tx, String(i + 1).padStart(3, '0'));
        return before;
      }),
    );
    first.release();
    assert.deepEqual(
      await Promise.all(counts),
      counts.map((_, i) => i + 1),
    );
    assert.equal((await committed()).length, 71);
  });

  it('runs every other unit alone when the shared COMMIT fails, and gives the failing unit its error', async () => {
    const events: string[] = [];
    const runs = { b: 0, bad: 0, d: 0 };
    const first = blocker('a', events);
    const second = transact(database, async (tx) => {
      runs.b += 1;
      await insert(tx, 'b');
      tx.afterCommit(() => events.push('commit b'));
      return 'b';
    });
    const bad = transact(database, async (tx) => {
      runs.bad += 1;
      await sql`INSERT INTO gc_children (id, parent) VALUES ('orphan', 'missing')`.execute(tx.db);
      tx.afterCommit(() => events.push('commit bad'));
      return 'bad';
    });
    const fourth = transact(database, async (tx) => {
      runs.d += 1;
      const before = await seen(tx);
      await insert(tx, 'd');
      tx.afterCommit(() => events.push('commit d'));
      return before;
    });
    first.release();
    assert.equal(await first.done, 'a');
    assert.equal(await second, 'b');
    await assert.rejects(bad, (error: { code?: string }) => error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY');
    assert.deepEqual(await fourth, ['a', 'b']);
    assert.deepEqual(runs, { b: 2, bad: 2, d: 2 }, 'once in the batch, once alone');
    assert.deepEqual(await committed(), ['a', 'b', 'd']);
    const orphans = await sql<{ n: number }>`SELECT count(*) AS n FROM gc_children`.execute(database.db);
    assert.equal(orphans.rows[0]?.n, 0);
    assert.deepEqual(events, ['commit a', 'commit b', 'commit d']);
  });

  it('when a unit ends the whole transaction, that unit gets its error and the others run alone', async () => {
    const events: string[] = [];
    const runs = { b: 0, abort: 0, d: 0 };
    const first = blocker('a', events);
    const second = transact(database, async (tx) => {
      runs.b += 1;
      await insert(tx, 'b');
      tx.afterCommit(() => events.push('commit b'));
      return 'b';
    });
    const aborting = transact(database, async (tx) => {
      runs.abort += 1;
      await insert(tx, 'x');
      tx.afterCommit(() => events.push('commit x'));
      // What SQLITE_FULL or an I/O error may do: SQLite rolls back everything, savepoints included.
      await sql`ROLLBACK`.execute(tx.db);
      throw Object.assign(new Error('disk full'), { code: 'SQLITE_FULL' });
    });
    const fourth = transact(database, async (tx) => {
      runs.d += 1;
      const before = await seen(tx);
      await insert(tx, 'd');
      tx.afterCommit(() => events.push('commit d'));
      return before;
    });
    first.release();
    assert.equal(await first.done, 'a');
    assert.equal(await second, 'b');
    await assert.rejects(aborting, /disk full/);
    assert.deepEqual(await fourth, ['a', 'b']);
    // b ran in the batch before the abort and again alone; d had not run in the batch yet.
    assert.deepEqual(runs, { b: 2, abort: 1, d: 1 });
    assert.deepEqual(await committed(), ['a', 'b', 'd']);
    assert.deepEqual(events, ['commit a', 'commit b', 'commit d']);
    assert.equal(database.inTransaction?.(), false);
  });

  it('a unit whose afterCommit throws gets that error after its commit; the others are unaffected', async () => {
    const events: string[] = [];
    const first = blocker('a', events);
    const throwing = transact(database, async (tx) => {
      await insert(tx, 'b');
      tx.afterCommit(() => {
        throw new Error('callback failed');
      });
      return 'b';
    });
    const third = transact(database, async (tx) => {
      await insert(tx, 'c');
      return 'c';
    });
    first.release();
    await first.done;
    await assert.rejects(throwing, /callback failed/);
    assert.equal(await third, 'c');
    assert.deepEqual(await committed(), ['a', 'b', 'c']);
  });
});
