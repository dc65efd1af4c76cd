import { type Kysely, sql } from 'kysely';

// Issue 12 item 1 — the dashboard's second factor. Portable DDL only (SPEC §4.3).
export async function up(db: Kysely<unknown>): Promise<void> {
  // A dashboard session is fully signed in once its second factor passed (or none applies).
  await db.schema.alterTable('dashboard_sessions').addColumn('mfa_passed_at', 'bigint').execute();
  // Sessions open before this migration signed in without a second factor: they stay signed in.
  await sql`UPDATE dashboard_sessions SET mfa_passed_at = created_at`.execute(db);
  await db.schema.createIndex('dashboard_sessions_user').on('dashboard_sessions').column('user_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('dashboard_sessions_user').execute();
  await db.schema.alterTable('dashboard_sessions').dropColumn('mfa_passed_at').execute();
}
