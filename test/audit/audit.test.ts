import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { auditHash, auditKey, auditMac } from '../../src/audit/audit.service.js';
import { canonicalJson as canonical } from '../../src/lib/canonical-json.js';
import { createTestApp, TEST_SECRET, type TestApp } from '../support/app.js';
import { runCliSync } from '../support/server-process.js';
import { addClinician, createSession, signIn, submitSurvey } from '../support/shopper.js';

const qualify = (t: TestApp, args: string[], input?: string) =>
  runCliSync(args, { databaseUrl: t.testDatabase.url, secret: TEST_SECRET, input });

const key = auditKey(Buffer.from(TEST_SECRET, 'base64'));

describe('audit log (SPEC §2.6)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    const channel = await t.channel();
    const clinician = await addClinician(t, ['CA']);
    const agent = await signIn(t, clinician);
    const rejected = await createSession(t, channel);
    await submitSurvey(t, rejected, { condition: ['none'] });
    const reviewed = await createSession(t, channel);
    await submitSurvey(t, reviewed);
    await agent.get(`/console/sessions/${reviewed.id}`);
    await agent.post(`/console/sessions/${reviewed.id}/reject`, { reason: 'clinician_declined' });
  });
  after(() => t.close());

  it('records clinician creation, sign-in, views, decisions and rule rejections in one chain', async () => {
    const rows = await t.database.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
    assert.deepEqual(
      rows.map((r) => r.action),
      ['clinician.add', 'console.sign_in', 'session.auto_reject', 'answers.view', 'session.reject'],
    );
    rows.forEach((row, i) => {
      assert.equal(Number(row.seq), i + 1);
      if (i > 0) assert.equal(row.prev_hash, rows[i - 1]!.hash);
      const { hash, ...content } = row;
      const typed = { ...content, seq: Number(content.seq), created_at: Number(content.created_at) };
      assert.equal(auditMac(key, typed), hash, 'an HMAC under the key derived from the service secret');
      assert.notEqual(auditHash(typed), hash, 'not a bare hash');
    });
    assert.deepEqual(await t.services.audit.verify(), {
      ok: true,
      rows: 5,
      head: rows[4]!.hash,
      checkpoint: `5:${rows[4]!.hash}`,
    });
  });

  it('keeps one chain under concurrent appends', async () => {
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.services.audit.record({ actorType: 'operator', action: 'clinician.add', subjectId: `c${i}` }),
      ),
    );
    const result = await t.services.audit.verify();
    assert.equal(result.ok, true, JSON.stringify(result));
  });

  it('`qualify audit verify` passes an intact chain and fails on a tampered row', async () => {
    const intact = qualify(t, ['audit', 'verify', '--json']);
    assert.equal(intact.status, 0, intact.stderr + intact.stdout);
    assert.equal(JSON.parse(intact.stdout).ok, true);

    const original = await t.database.db
      .selectFrom('audit_log')
      .select('details')
      .where('seq', '=', 3)
      .executeTakeFirstOrThrow();
    await t.database.db
      .updateTable('audit_log')
      .set({ details: '{"reason":"clinician_declined"}' })
      .where('seq', '=', 3)
      .execute();
    const tampered = qualify(t, ['audit', 'verify']);
    assert.notEqual(tampered.status, 0, tampered.stdout);
    assert.match(tampered.stderr, /audit log verification FAILED at row 3: the row does not carry its HMAC/);

    await t.database.db
      .updateTable('audit_log')
      .set({ details: original.details })
      .where('seq', '=', 3)
      .execute();
    assert.equal((await t.services.audit.verify()).ok, true, 'restoring the row restores the chain');
  });

  it('fails when a row is removed, in the middle or at the end', async () => {
    const last = await t.database.db
      .selectFrom('audit_log')
      .selectAll()
      .orderBy('seq', 'desc')
      .executeTakeFirstOrThrow();
    await t.database.db.deleteFrom('audit_log').where('seq', '=', last.seq).execute();
    const tail = await t.services.audit.verify();
    assert.equal(tail.ok, false);
    assert.match((tail as { problem: string }).problem, /head does not match/);
    await t.database.db.insertInto('audit_log').values(last).execute();
    assert.equal((await t.services.audit.verify()).ok, true);

    await t.database.db.deleteFrom('audit_log').where('seq', '=', 2).execute();
    const middle = await t.services.audit.verify();
    assert.deepEqual(middle, { ok: false, rows: 1, seq: 3, problem: 'row 2 is missing' });
  });
});

describe('audit checkpoints and the HMAC switch point (issue 11 item 7)', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
    for (let i = 0; i < 4; i++)
      await t.services.audit.record({
        actorType: 'operator',
        action: 'clinician.add',
        subjectId: `before${i}`,
      });
  });
  after(() => t.close());

  it('`audit verify --checkpoint` fails on a row rewritten with a recomputed plain hash, and on truncation', async () => {
    // Issue 11 item 7 — the operator keeps the checkpoint elsewhere.
    const printed = qualify(t, ['audit', 'checkpoint']);
    assert.equal(printed.status, 0, printed.stderr);
    const checkpoint = printed.stdout.trim();
    assert.match(checkpoint, /^\d+:[0-9a-f]{64}$/, printed.stdout);
    const checkpointSeq = Number(checkpoint.split(':')[0]);
    for (let i = 0; i < 3; i++)
      await t.services.audit.record({
        actorType: 'operator',
        action: 'clinician.add',
        subjectId: `after${i}`,
      });
    const ok = qualify(t, ['audit', 'verify', '--checkpoint', checkpoint]);
    assert.equal(ok.status, 0, ok.stderr + ok.stdout);
    assert.match(ok.stdout, /checkpoint matches/);

    const all = await t.database.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
    const snapshot = all.map((r) => ({ ...r }));
    const head = await t.database.db.selectFrom('audit_head').selectAll().executeTakeFirstOrThrow();
    const restore = async () => {
      await t.database.db.deleteFrom('audit_log').execute();
      await t.database.db.insertInto('audit_log').values(snapshot).execute();
      await t.database.db.updateTable('audit_head').set(head).where('id', '=', 1).execute();
      assert.equal((await t.services.audit.verify(checkpoint)).ok, true, 'restored');
    };

    // Row 2 rewritten and every link recomputed as a plain SHA-256 (what someone with
    // database access but no secret can do), and the switch point moved to claim they are legacy rows.
    let prev = '0'.repeat(64);
    for (const original of all) {
      const row = {
        ...original,
        seq: Number(original.seq),
        created_at: Number(original.created_at),
        details: original.seq === 2 ? '{"rewritten":true}' : original.details,
        prev_hash: prev,
      };
      const { hash: _old, ...content } = row;
      const { prev_hash: _prev, ...linked } = content;
      const hash = createHash('sha256').update(prev).update(canonical(linked)).digest('hex');
      assert.equal(hash, auditHash(content));
      await t.database.db
        .updateTable('audit_log')
        .set({ details: row.details, prev_hash: prev, hash })
        .where('seq', '=', row.seq)
        .execute();
      prev = hash;
    }
    await t.database.db
      .updateTable('audit_head')
      .set({ hash: prev, hmac_from: all.length + 1 })
      .where('id', '=', 1)
      .execute();
    const rewritten = qualify(t, ['audit', 'verify', '--checkpoint', checkpoint]);
    assert.notEqual(rewritten.status, 0, rewritten.stdout);
    assert.match(
      rewritten.stderr,
      new RegExp(`FAILED at row ${checkpointSeq}: the row at the checkpoint differs`),
    );
    await restore();

    // Only rows after the checkpoint rewritten with plain hashes: they are not HMACs.
    const afterRow = all.find((r) => Number(r.seq) === checkpointSeq + 1)!;
    const forged = {
      ...afterRow,
      seq: Number(afterRow.seq),
      created_at: Number(afterRow.created_at),
      details: '{}',
    };
    const { hash: _h, ...forgedContent } = forged;
    await t.database.db
      .updateTable('audit_log')
      .set({ details: '{}', hash: auditHash(forgedContent) })
      .where('seq', '=', forged.seq)
      .execute();
    const tail = qualify(t, ['audit', 'verify', '--checkpoint', checkpoint]);
    assert.notEqual(tail.status, 0, tail.stdout);
    assert.match(tail.stderr, /does not carry its HMAC/);
    await restore();

    // Truncation: the rows from the checkpoint on removed and the head moved back to match.
    const kept = all.filter((r) => Number(r.seq) < checkpointSeq);
    await t.database.db.deleteFrom('audit_log').where('seq', '>=', checkpointSeq).execute();
    await t.database.db
      .updateTable('audit_head')
      .set({ seq: kept.length, hash: kept.at(-1)!.hash })
      .where('id', '=', 1)
      .execute();
    assert.equal(
      (await t.services.audit.verify()).ok,
      true,
      'without the checkpoint a truncation looks whole',
    );
    const truncated = qualify(t, ['audit', 'verify', '--checkpoint', checkpoint]);
    assert.notEqual(truncated.status, 0, truncated.stdout);
    assert.match(truncated.stderr, /truncated/);
    await restore();
  });

  it('verifies rows written before the switch to HMAC with their plain hashes (migration 007)', async () => {
    const head = await t.database.db.selectFrom('audit_head').selectAll().executeTakeFirstOrThrow();
    // As if the log had 2 rows when migration 007 ran: rewrite them as the old code wrote them.
    let prev = '0'.repeat(64);
    const first = await t.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '<=', 2)
      .orderBy('seq')
      .execute();
    const saved = first.map((r) => ({ ...r }));
    for (const original of first) {
      const { hash: _h, ...content } = {
        ...original,
        seq: Number(original.seq),
        created_at: Number(original.created_at),
        prev_hash: prev,
      };
      const hash = auditHash(content);
      await t.database.db
        .updateTable('audit_log')
        .set({ prev_hash: prev, hash })
        .where('seq', '=', content.seq)
        .execute();
      prev = hash;
    }
    // Row 3 is an HMAC row whose link commits to the legacy row 2.
    const third = await t.database.db
      .selectFrom('audit_log')
      .selectAll()
      .where('seq', '=', 3)
      .executeTakeFirstOrThrow();
    const { hash: _old, ...content3 } = {
      ...third,
      seq: 3,
      created_at: Number(third.created_at),
      prev_hash: prev,
    };
    await t.database.db
      .updateTable('audit_log')
      .set({ prev_hash: prev, hash: auditMac(key, content3) })
      .where('seq', '=', 3)
      .execute();
    await t.database.db.updateTable('audit_head').set({ hmac_from: 3 }).where('id', '=', 1).execute();
    const rest = await t.services.audit.verify();
    // Row 4 still links to the old row 3: the chain check reaches row 4 and stops there.
    assert.equal(rest.ok, false);
    assert.equal((rest as { seq: number }).seq, 4, JSON.stringify(rest));
    for (const row of saved)
      await t.database.db
        .updateTable('audit_log')
        .set({ prev_hash: row.prev_hash, hash: row.hash })
        .where('seq', '=', row.seq)
        .execute();
    await t.database.db
      .updateTable('audit_log')
      .set({ prev_hash: third.prev_hash, hash: third.hash })
      .where('seq', '=', 3)
      .execute();
    await t.database.db.updateTable('audit_head').set(head).where('id', '=', 1).execute();
    assert.equal((await t.services.audit.verify()).ok, true);
  });
});
