import type { Kysely } from 'kysely';

// Portable DDL only: the same migration runs on SQLite and PostgreSQL (SPEC §4.3).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('sales_channels')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('livemode', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sales_channel_id', 'text', (c) => c.notNull().references('sales_channels.id'))
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('api_keys_prefix').on('api_keys').column('prefix').execute();

  await db.schema
    .createTable('qualification_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sales_channel_id', 'text', (c) => c.notNull().references('sales_channels.id'))
    .addColumn('livemode', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('customer_name', 'text')
    .addColumn('user_id', 'text')
    .addColumn('source', 'text')
    .addColumn('skus_param', 'text')
    .addColumn('metadata', 'text')
    .addColumn('success_url', 'text')
    .addColumn('failure_url', 'text')
    .addColumn('order_items', 'text', (c) => c.notNull())
    .addColumn('eligible_amount', 'bigint')
    .addColumn('expires_at', 'bigint')
    .addColumn('lmn_reviewed_at', 'bigint')
    .addColumn('rejection_reason', 'text')
    .addColumn('shopper_state', 'text')
    .addColumn('submitted_at', 'bigint')
    .addColumn('search_text', 'text', (c) => c.notNull())
    .execute();
  // The list endpoint orders by (created_at, id) descending within one channel, optionally by status.
  await db.schema
    .createIndex('sessions_channel_created')
    .on('qualification_sessions')
    .columns(['sales_channel_id', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('sessions_channel_status_created')
    .on('qualification_sessions')
    .columns(['sales_channel_id', 'status', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('sessions_channel_user')
    .on('qualification_sessions')
    .columns(['sales_channel_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('sessions_channel_expires')
    .on('qualification_sessions')
    .columns(['sales_channel_id', 'expires_at'])
    .execute();
  await db.schema
    .createIndex('sessions_review_queue')
    .on('qualification_sessions')
    .columns(['status', 'submitted_at'])
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer', (c) => c.notNull())
    .addColumn('response_body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['scope', 'key'])
    .execute();
  await db.schema
    .createIndex('idempotency_keys_created')
    .on('idempotency_keys')
    .column('created_at')
    .execute();

  await db.schema
    .createTable('session_transitions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull().references('qualification_sessions.id'))
    .addColumn('from_status', 'text', (c) => c.notNull())
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('session_transitions_session')
    .on('session_transitions')
    .column('session_id')
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('sales_channel_id', 'text', (c) => c.notNull().references('sales_channels.id'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('events_session').on('events').column('session_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'events',
    'session_transitions',
    'idempotency_keys',
    'qualification_sessions',
    'api_keys',
    'sales_channels',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
