import { type Kysely, sql } from 'kysely';

// Issue 12 — the merchant dashboard. Portable DDL only (SPEC §4.3).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dashboard_users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text')
    .addColumn('password_token_hash', 'text', (c) => c.unique())
    .addColumn('password_token_expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('disabled_at', 'bigint')
    .execute();

  await db.schema
    .createTable('dashboard_memberships')
    .addColumn('user_id', 'text', (c) => c.notNull().references('dashboard_users.id'))
    .addColumn('sales_channel_id', 'text', (c) => c.notNull().references('sales_channels.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('dashboard_memberships_pk', ['user_id', 'sales_channel_id'])
    .execute();
  await db.schema
    .createIndex('dashboard_memberships_channel')
    .on('dashboard_memberships')
    .column('sales_channel_id')
    .execute();

  await db.schema
    .createTable('dashboard_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('dashboard_users.id'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .execute();

  // Daily rollups for the overview's charts, kept with every session insert and transition.
  await db.schema
    .createTable('session_daily_counts')
    .addColumn('sales_channel_id', 'text', (c) => c.notNull())
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('metric', 'text', (c) => c.notNull())
    .addColumn('shard', 'integer', (c) => c.notNull())
    .addColumn('n', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('session_daily_counts_pk', ['sales_channel_id', 'day', 'metric', 'shard'])
    .execute();
  // Sessions that exist before this migration: counted by creation day and status, and their
  // decisions by decision day and create → decision bucket, in shard 0.
  await sql`INSERT INTO session_daily_counts (sales_channel_id, day, metric, shard, n)
    SELECT sales_channel_id, created_at / 86400000, 'status:' || status, 0, COUNT(*)
    FROM qualification_sessions GROUP BY sales_channel_id, created_at / 86400000, status`.execute(db);
  // The bucket bounds (seconds) as `DECISION_BUCKETS_S` had them when this migration was written.
  const bounds = [
    60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 43_200, 86_400, 172_800, 259_200, 432_000, 604_800,
    1_209_600, 2_592_000,
  ];
  const elapsed = sql`(t.created_at - s.created_at)`;
  const bucket = sql`CASE ${sql.join(
    bounds.map(
      (bound, i) => sql`WHEN ${elapsed} <= ${sql.lit(bound * 1000)} THEN ${sql.lit(`decided:${i}`)}`,
    ),
    sql` `,
  )} ELSE ${sql.lit(`decided:${bounds.length}`)} END`;
  await sql`INSERT INTO session_daily_counts (sales_channel_id, day, metric, shard, n)
    SELECT s.sales_channel_id, t.created_at / 86400000, ${bucket}, 0, COUNT(*)
    FROM session_transitions t JOIN qualification_sessions s ON s.id = t.session_id
    WHERE t.to_status IN ('approved', 'rejected')
    GROUP BY s.sales_channel_id, t.created_at / 86400000, ${bucket}`.execute(db);

  // Keys: when each was last used (written at most once a minute per key).
  await db.schema.alterTable('api_keys').addColumn('last_used_at', 'bigint').execute();
  await db.schema.createIndex('api_keys_channel').on('api_keys').column('sales_channel_id').execute();

  // A session's deliveries (its page) and an endpoint's delivery log, newest first.
  await db.schema
    .createIndex('webhook_deliveries_session')
    .on('webhook_deliveries')
    .column('session_id')
    .execute();
  // The overview's webhook series read the channel's deliveries by day and status from the index alone.
  await db.schema
    .createIndex('webhook_deliveries_channel_status')
    .on('webhook_deliveries')
    .columns(['sales_channel_id', 'created_at', 'status'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_endpoint_created')
    .on('webhook_deliveries')
    .columns(['webhook_endpoint_id', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('webhook_deliveries_endpoint_created').execute();
  await db.schema.dropIndex('webhook_deliveries_channel_status').execute();
  await db.schema.dropIndex('webhook_deliveries_session').execute();
  await db.schema.dropIndex('api_keys_channel').execute();
  await db.schema.alterTable('api_keys').dropColumn('last_used_at').execute();
  await db.schema.dropTable('session_daily_counts').execute();
  await db.schema.dropTable('dashboard_sessions').execute();
  await db.schema.dropTable('dashboard_memberships').execute();
  await db.schema.dropTable('dashboard_users').execute();
}
