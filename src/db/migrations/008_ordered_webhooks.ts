import { type Kysely, sql } from 'kysely';

// Issue 14 item 3 — ordered webhooks. An event of a session carries its place in that session's
// history (`sequence`, from 1); each delivery copies it, so the dispatcher holds a later delivery
// for the same session and endpoint while an earlier one is in flight or waiting for a retry.
// Portable DDL only (SPEC §4.3).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('events').addColumn('sequence', 'integer').execute();
  // Events recorded before this migration: numbered in the order they happened.
  await sql`
    UPDATE events SET sequence = (
      SELECT count(*) FROM events earlier
      WHERE earlier.session_id = events.session_id
        AND (earlier.created_at < events.created_at
          OR (earlier.created_at = events.created_at AND earlier.id <= events.id))
    )
    WHERE session_id IS NOT NULL`.execute(db);
  // One number per place: two transactions can never give a session the same one.
  await db.schema
    .createIndex('events_session_sequence')
    .on('events')
    .columns(['session_id', 'sequence'])
    .unique()
    .execute();

  await db.schema.alterTable('webhook_deliveries').addColumn('sequence', 'integer').execute();
  await sql`
    UPDATE webhook_deliveries SET sequence = (
      SELECT sequence FROM events WHERE events.id = webhook_deliveries.event_id
    )`.execute(db);
  // The claim's "is an earlier one still open?" check: a session has a handful of deliveries,
  // where an endpoint may have thousands (see `notBehindAnEarlier` in deliveries.repository.ts).
  await db.schema
    .createIndex('webhook_deliveries_order')
    .on('webhook_deliveries')
    .columns(['session_id', 'sequence'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('webhook_deliveries_order').execute();
  await db.schema.alterTable('webhook_deliveries').dropColumn('sequence').execute();
  await db.schema.dropIndex('events_session_sequence').execute();
  await db.schema.alterTable('events').dropColumn('sequence').execute();
}
