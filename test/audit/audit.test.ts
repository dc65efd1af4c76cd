import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditHash } from '../../src/audit/audit.service.js';
import { createTestApp, TEST_SECRET, type TestApp } from '../support/app.js';
import { runCliSync } from '../support/server-process.js';
import { addClinician, createSession, signIn, submitSurvey } from '../support/shopper.js';

const qualify = (t: TestApp, args: string[], input?: string) =>
  runCliSync(args, { databaseUrl: t.testDatabase.url, secret: TEST_SECRET, input });

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
      assert.equal(
        auditHash({ ...content, seq: Number(content.seq), created_at: Number(content.created_at) }),
        hash,
      );
    });
    assert.deepEqual(await t.services.audit.verify(), { ok: true, rows: 5, head: rows[4]!.hash });
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
    assert.match(tampered.stderr, /audit log verification FAILED at row 3: hash does not match/);

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
