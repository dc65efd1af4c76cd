import { type Kysely, sql } from 'kysely';

// Issue 13 — hardening. Portable DDL only (SPEC §4.3).
export async function up(db: Kysely<unknown>): Promise<void> {
  // Item 2: one row naming the service secret this database's encrypted values are sealed under
  // (a one-way check value, never the key), so a changed QUALIFY_SECRET fails at start-up.
  await db.schema
    .createTable('key_checks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('check_value', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // Item 7: unsigned (legacy) endpoints are refused in production unless marked legacy. Endpoints
  // already unsigned were created so on purpose and keep working: they are marked as of creation.
  await db.schema.alterTable('webhook_endpoints').addColumn('legacy_marked_at', 'bigint').execute();
  await sql`UPDATE webhook_endpoints SET legacy_marked_at = created_at WHERE mode = 'unsigned'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('webhook_endpoints').dropColumn('legacy_marked_at').execute();
  await db.schema.dropTable('key_checks').execute();
}
