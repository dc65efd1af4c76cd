import { type Kysely, sql } from 'kysely';

// Issue 11 — the clinician console for live use. Portable DDL only (SPEC §4.3).
export async function up(db: Kysely<unknown>): Promise<void> {
  // Item 1: roles, the sandbox flag, one-time password-reset links (only a hash is kept).
  // Item 4: `sandbox` is `none` (live queue only), `also` (live and sandbox) or `only` (the demo).
  await db.schema
    .alterTable('clinicians')
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('clinician'))
    .execute();
  await db.schema
    .alterTable('clinicians')
    .addColumn('sandbox', 'text', (c) => c.notNull().defaultTo('none'))
    .execute();
  await db.schema.alterTable('clinicians').addColumn('reset_token_hash', 'text').execute();
  await db.schema.alterTable('clinicians').addColumn('reset_expires_at', 'bigint').execute();
  // A seeded demo clinician of an older database reviews sandbox sessions only from now on.
  await sql`UPDATE clinicians SET sandbox = 'only' WHERE email = 'demo.clinician@qualify.local'`.execute(db);

  // Item 2: a console session is fully signed in once its second factor passed (or none applies).
  await db.schema.alterTable('console_sessions').addColumn('mfa_passed_at', 'bigint').execute();
  await db.schema
    .createIndex('console_sessions_clinician')
    .on('console_sessions')
    .column('clinician_id')
    .execute();

  // Items 2 and 3: generic modules of src/auth/, keyed by a principal kind and id.
  await db.schema
    .createTable('auth_totp')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('principal_kind', 'text', (c) => c.notNull())
    .addColumn('principal_id', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('enrolled_at', 'bigint')
    .addColumn('last_step', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('auth_recovery_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('principal_kind', 'text', (c) => c.notNull())
    .addColumn('principal_id', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('auth_recovery_codes_principal')
    .on('auth_recovery_codes')
    .columns(['principal_kind', 'principal_id'])
    .execute();
  await db.schema
    .createTable('auth_throttle')
    .addColumn('principal_kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('locked_until', 'bigint')
    .addPrimaryKeyConstraint('auth_throttle_pk', ['principal_kind', 'subject'])
    .execute();

  // Item 6: the soft claim ("being reviewed by …") and "My decisions".
  await db.schema
    .createTable('review_claims')
    .addColumn('session_id', 'text', (c) => c.primaryKey())
    .addColumn('clinician_id', 'text', (c) => c.notNull())
    .addColumn('claimed_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('reviews_clinician_created')
    .on('reviews')
    .columns(['clinician_id', 'created_at'])
    .execute();

  // Item 5: "Ask the shopper". The question and the answer are sealed; the session waits outside
  // the queue while a question is open and comes back to its top when answered.
  await db.schema
    .createTable('session_questions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull().references('qualification_sessions.id'))
    .addColumn('clinician_id', 'text', (c) => c.notNull())
    .addColumn('question', 'text', (c) => c.notNull())
    .addColumn('asked_at', 'bigint', (c) => c.notNull())
    .addColumn('answer', 'text')
    .addColumn('answered_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('session_questions_session')
    .on('session_questions')
    .columns(['session_id', 'asked_at'])
    .execute();
  await db.schema
    .alterTable('qualification_sessions')
    .addColumn('awaiting_shopper_since', 'bigint')
    .execute();
  await db.schema.alterTable('qualification_sessions').addColumn('requeued_at', 'bigint').execute();

  // Item 7: the chain is an HMAC from here on. Rows written before keep their plain SHA-256 links
  // (the first HMAC row's prev_hash commits to them); `hmac_from` is the first HMAC row's seq.
  await db.schema
    .alterTable('audit_head')
    .addColumn('hmac_from', 'bigint', (c) => c.notNull().defaultTo(1))
    .execute();
  await sql`UPDATE audit_head SET hmac_from = seq + 1`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('audit_head').dropColumn('hmac_from').execute();
  await db.schema.alterTable('qualification_sessions').dropColumn('requeued_at').execute();
  await db.schema.alterTable('qualification_sessions').dropColumn('awaiting_shopper_since').execute();
  for (const table of [
    'session_questions',
    'review_claims',
    'auth_throttle',
    'auth_recovery_codes',
    'auth_totp',
  ])
    await db.schema.dropTable(table).execute();
  await db.schema.dropIndex('reviews_clinician_created').execute();
  await db.schema.dropIndex('console_sessions_clinician').execute();
  await db.schema.alterTable('console_sessions').dropColumn('mfa_passed_at').execute();
  for (const column of ['reset_expires_at', 'reset_token_hash', 'sandbox', 'role'])
    await db.schema.alterTable('clinicians').dropColumn(column).execute();
}
