import { type Kysely, sql } from 'kysely';

// Issue 10 — the letter only its patient opens, the LMN as a document, email. Portable DDL only
// (SPEC §4.3).
export async function up(db: Kysely<unknown>): Promise<void> {
  // Item 3: what a letter prints about its clinician. `licenses` is a JSON object state → licence
  // number; `states` stays the list of states whose sessions the clinician sees.
  await db.schema
    .alterTable('clinicians')
    .addColumn('licenses', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.alterTable('clinicians').addColumn('practice_address', 'text').execute();

  // Items 3 and 4: a letter knows whether it is a test letter, and the licence and address it was
  // signed under; a test-helper letter has no clinician. SQLite cannot drop a NOT NULL, so the
  // table is rebuilt and its rows copied.
  await db.schema
    .createTable('lmns_v6')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull().unique().references('qualification_sessions.id'))
    .addColumn('verification_code', 'text', (c) => c.notNull().unique())
    .addColumn('livemode', 'integer', (c) => c.notNull())
    .addColumn('clinician_id', 'text', (c) => c.references('clinicians.id'))
    .addColumn('clinician_name', 'text', (c) => c.notNull())
    .addColumn('clinician_credentials', 'text', (c) => c.notNull())
    .addColumn('clinician_npi', 'text', (c) => c.notNull())
    .addColumn('clinician_state', 'text', (c) => c.notNull())
    .addColumn('clinician_license', 'text')
    .addColumn('clinician_address', 'text')
    .addColumn('shopper_name', 'text')
    .addColumn('shopper_email', 'text')
    .addColumn('shopper_state', 'text', (c) => c.notNull())
    .addColumn('covered_items', 'text', (c) => c.notNull())
    .addColumn('clinical', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await sql`INSERT INTO lmns_v6 (id, session_id, verification_code, livemode, clinician_id, clinician_name,
      clinician_credentials, clinician_npi, clinician_state, shopper_name, shopper_email, shopper_state,
      covered_items, clinical, issued_at, expires_at)
    SELECT l.id, l.session_id, l.verification_code, s.livemode, l.clinician_id, l.clinician_name,
      l.clinician_credentials, l.clinician_npi, l.clinician_state, l.shopper_name, l.shopper_email,
      l.shopper_state, l.covered_items, l.clinical, l.issued_at, l.expires_at
    FROM lmns l JOIN qualification_sessions s ON s.id = l.session_id`.execute(db);
  await db.schema.dropTable('lmns').execute();
  await db.schema.alterTable('lmns_v6').renameTo('lmns').execute();

  // Item 1: the patient check's wrong tries and lockout, per session (shared by every instance).
  await db.schema
    .createTable('letter_checks')
    .addColumn('session_id', 'text', (c) => c.primaryKey().references('qualification_sessions.id'))
    .addColumn('failed_attempts', 'integer', (c) => c.notNull())
    .addColumn('locked_until', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // Item 2: the mail outbox — one row per message, written in the transaction of the change that
  // causes it (`dedupe_key` unique: never two messages for one event), sent after commit.
  await db.schema
    .createTable('mail_outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('dedupe_key', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('session_id', 'text', (c) => c.notNull().references('qualification_sessions.id'))
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('lease_until', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('mail_outbox_due')
    .on('mail_outbox')
    .columns(['status', 'next_attempt_at'])
    .execute();

  // Item 6: how the survey names the merchant — display name, logo and support email per channel.
  await db.schema
    .createTable('sales_channel_settings')
    .addColumn('sales_channel_id', 'text', (c) => c.primaryKey().references('sales_channels.id'))
    .addColumn('display_name', 'text')
    .addColumn('logo_url', 'text')
    .addColumn('support_email', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // Item 6: answers typed so far, sealed, kept until Submit (a reload shows them again).
  await db.schema
    .createTable('survey_drafts')
    .addColumn('session_id', 'text', (c) => c.primaryKey().references('qualification_sessions.id'))
    .addColumn('answers', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('survey_drafts').execute();
  await db.schema.dropTable('sales_channel_settings').execute();
  await db.schema.dropTable('mail_outbox').execute();
  await db.schema.dropTable('letter_checks').execute();
  await db.schema.alterTable('clinicians').dropColumn('practice_address').execute();
  await db.schema.alterTable('clinicians').dropColumn('licenses').execute();
}
