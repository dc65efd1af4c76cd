import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Migrator, sql } from 'kysely';
import { type Database, migrate, openDatabase } from '../../src/db/database.js';
import { migrations } from '../../src/db/migrations/index.js';
import { createRepositories } from '../../src/repositories.js';
import { StatsService } from '../../src/stats/stats.service.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// Issue 12 item 5 — migration 009 fills the daily rollups from the sessions and transitions that
// exist before it, so the overview of an upgraded database counts its history too.

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 4, 10, 9, 0, 0);

describe('migration 009 back-fills the daily rollups (issue 12)', () => {
  let testDatabase: TestDatabase;
  let database: Database;
  before(async () => {
    testDatabase = await createTestDatabase();
    database = openDatabase(testDatabase.url);
  });
  after(async () => {
    await database.close();
    await testDatabase.drop();
  });

  it('counts existing sessions by creation day and status, and their decisions by bucket', async () => {
    const db = database.db;
    const schema =
      database.engine === 'postgres'
        ? (await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db)).rows[0]!.schema
        : undefined;
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => migrations },
      ...(schema ? { migrationTableSchema: schema } : {}),
    });
    const before009 = await migrator.migrateTo('005_hardening');
    assert.equal(before009.error, undefined, String(before009.error));

    await sql`INSERT INTO sales_channels (id, name, livemode, created_at) VALUES ('sc_old', 'Old', 0, ${T0})`.execute(
      db,
    );
    const sessions: Array<[string, string, number]> = [
      ['qs_a', 'approved', T0],
      ['qs_b', 'rejected', T0 + 1000],
      ['qs_c', 'pending', T0 + DAY],
    ];
    for (const [id, status, created] of sessions)
      await sql`INSERT INTO qualification_sessions (id, sales_channel_id, livemode, status, created_at, updated_at, order_items, search_text)
        VALUES (${id}, 'sc_old', 0, ${status}, ${created}, ${created}, '[]', ${id})`.execute(db);
    // qs_a decided 30 s after creation (≤ 1 min), qs_b 3 h later (≤ 4 h), both on the first day.
    await sql`INSERT INTO session_transitions (id, session_id, from_status, to_status, actor, actor_id, created_at)
      VALUES ('tr_a', 'qs_a', 'processing', 'approved', 'clinician', NULL, ${T0 + 30_000}),
             ('tr_b', 'qs_b', 'processing', 'rejected', 'clinician', NULL, ${T0 + 1000 + 3 * 3_600_000})`.execute(
      db,
    );

    await migrate(database);
    const stats = new StatsService(database, { now: () => T0 + DAY }, createRepositories());
    const result = await stats.forChannel('sc_old', '2026-05-10', '2026-05-11');
    assert.deepEqual(
      result.days.map((d) => [d.date, d.sessions, d.decisions]),
      [
        ['2026-05-10', { pending: 0, processing: 0, approved: 1, rejected: 1, total: 2 }, 2],
        ['2026-05-11', { pending: 1, processing: 0, approved: 0, rejected: 0, total: 1 }, 0],
      ],
      JSON.stringify(result),
    );
    assert.equal(result.days[0]!.decision_seconds_p50, 60, JSON.stringify(result.days[0]));
    assert.equal(result.days[0]!.decision_seconds_p90, 14_400, JSON.stringify(result.days[0]));
  });
});
