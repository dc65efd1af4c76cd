import { type Kysely, sql } from 'kysely';

// SPEC §1.6 — the list's exact `total_count` without counting the table on every request.
// One row per (channel, status, shard) holds a signed count; the true count is the sum over the
// shards. The shard is fixed per session (from its id), so each session always touches the same
// rows and concurrent writers of one channel spread over several rows instead of one hot row.
// Portable DDL only (SPEC §4.3).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('session_counts')
    .addColumn('sales_channel_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('shard', 'integer', (c) => c.notNull())
    .addColumn('n', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('session_counts_pk', ['sales_channel_id', 'status', 'shard'])
    .execute();
  // Sessions that exist before this migration are counted once, in shard 0.
  await sql`INSERT INTO session_counts (sales_channel_id, status, shard, n)
    SELECT sales_channel_id, status, 0, COUNT(*) FROM qualification_sessions
    GROUP BY sales_channel_id, status`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('session_counts').execute();
}
