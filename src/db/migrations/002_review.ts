import type { Kysely } from 'kysely';

/** The genesis hash of the audit chain (SPEC §2.6): the first row's prev_hash. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

// Portable DDL only: the same migration runs on SQLite and PostgreSQL (SPEC §4.3).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('clinicians')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('npi', 'text', (c) => c.notNull())
    .addColumn('credentials', 'text', (c) => c.notNull())
    .addColumn('states', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('disabled_at', 'bigint')
    .execute();

  await db.schema
    .createTable('console_sessions')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('clinician_id', 'text', (c) => c.notNull().references('clinicians.id'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .execute();

  await db.schema
    .createTable('survey_responses')
    .addColumn('session_id', 'text', (c) => c.primaryKey().references('qualification_sessions.id'))
    .addColumn('answers', 'text', (c) => c.notNull())
    .addColumn('telehealth_consent_at', 'bigint', (c) => c.notNull())
    .addColumn('privacy_consent_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('reviews')
    .addColumn('session_id', 'text', (c) => c.primaryKey().references('qualification_sessions.id'))
    .addColumn('clinician_id', 'text', (c) => c.notNull().references('clinicians.id'))
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('lmns')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull().unique().references('qualification_sessions.id'))
    .addColumn('verification_code', 'text', (c) => c.notNull().unique())
    .addColumn('clinician_id', 'text', (c) => c.notNull().references('clinicians.id'))
    .addColumn('clinician_name', 'text', (c) => c.notNull())
    .addColumn('clinician_credentials', 'text', (c) => c.notNull())
    .addColumn('clinician_npi', 'text', (c) => c.notNull())
    .addColumn('clinician_state', 'text', (c) => c.notNull())
    .addColumn('shopper_name', 'text')
    .addColumn('shopper_email', 'text')
    .addColumn('shopper_state', 'text', (c) => c.notNull())
    .addColumn('covered_items', 'text', (c) => c.notNull())
    .addColumn('clinical', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text')
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('audit_head')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await (db as Kysely<{ audit_head: { id: number; seq: number; hash: string } }>)
    .insertInto('audit_head')
    .values({ id: 1, seq: 0, hash: AUDIT_GENESIS_HASH })
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'audit_head',
    'audit_log',
    'lmns',
    'reviews',
    'survey_responses',
    'console_sessions',
    'clinicians',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
