// Bulk seeding for the benchmark: sessions for one channel written straight into the table in
// big transactions (the API would take hours for 1M rows). Rows look like real ones: a status mix,
// emails, user ids, order items, and the lower-cased search text the list filter reads.
import SQLite from 'better-sqlite3';
import pg from 'pg';

export const SEED_SOURCE = 'bench';
const DAY_MS = 86_400_000;
const ORDER_ITEMS = '[{"sku":"SKU-1","name":"Blood pressure monitor","price":4999,"quantity":1}]';

/** Row `i`'s id: deterministic, so scenarios can address seeded sessions without reading them back. */
export function seededId(i: number): string {
  return `qs_00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

/** Status mix by `i % 20`: 40% pending, 10% processing, 35% approved, 15% rejected. */
function seededStatus(i: number): 'pending' | 'processing' | 'approved' | 'rejected' {
  const r = i % 20;
  if (r < 8) return 'pending';
  if (r < 10) return 'processing';
  if (r < 17) return 'approved';
  return 'rejected';
}

/** Rows written behind the app's back: rebuild the list's session counts (migration 004). */
const RECOUNT = `INSERT INTO session_counts (sales_channel_id, status, shard, n)
  SELECT sales_channel_id, status, 0, COUNT(*) FROM qualification_sessions
  WHERE sales_channel_id = $1 GROUP BY sales_channel_id, status`;

export interface SeedRange {
  channelId: string;
  /** First row index (inclusive) and last (exclusive): seeding can grow a table in steps. */
  from: number;
  to: number;
  /** created_at of row 0; row i was created i×100 ms earlier. */
  now: number;
}

export async function seedSessions(databaseUrl: string, range: SeedRange): Promise<void> {
  if (databaseUrl.startsWith('sqlite:')) seedSqlite(databaseUrl.slice('sqlite:'.length), range);
  else await seedPostgres(databaseUrl, range);
}

function seedSqlite(file: string, { channelId, from, to, now }: SeedRange): void {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  const insert = db.prepare(
    `INSERT INTO qualification_sessions (id, sales_channel_id, livemode, status, created_at, updated_at,
       email, customer_name, user_id, source, skus_param, metadata, success_url, failure_url, order_items,
       eligible_amount, expires_at, lmn_reviewed_at, rejection_reason, shopper_state, submitted_at, search_text)
     VALUES (?, ?, 0, ?, ?, ?, ?, NULL, ?, ?, 'SKU-1', NULL, NULL, NULL, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const batch = db.transaction((start: number, end: number) => {
    for (let i = start; i < end; i++) {
      const id = seededId(i);
      const status = seededStatus(i);
      const created = now - i * 100;
      const email = `shopper${i}@example.com`;
      const userId = `user_${i}`;
      const reviewed = status === 'approved' || status === 'rejected' ? created + 3_600_000 : null;
      const submitted = status === 'pending' ? null : created + 600_000;
      insert.run(
        id,
        channelId,
        status,
        created,
        reviewed ?? submitted ?? created,
        email,
        userId,
        SEED_SOURCE,
        ORDER_ITEMS,
        status === 'approved' ? 4999 : null,
        status === 'approved' ? created + 365 * DAY_MS : null,
        reviewed,
        status === 'rejected' ? 'clinician_declined' : null,
        submitted === null ? null : 'CA',
        submitted,
        [id, email, userId, SEED_SOURCE].join('\n'),
      );
    }
  });
  for (let start = from; start < to; start += 200_000) batch(start, Math.min(to, start + 200_000));
  db.transaction(() => {
    db.prepare('DELETE FROM session_counts WHERE sales_channel_id = ?').run(channelId);
    db.prepare(RECOUNT.replaceAll('$1', '?')).run(channelId);
  })();
  db.close();
}

async function seedPostgres(url: string, { channelId, from, to, now }: SeedRange): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // One INSERT … SELECT generate_series per 250k rows; the expressions mirror seedSqlite.
    for (let start = from; start < to; start += 250_000) {
      const end = Math.min(to, start + 250_000);
      await client.query(
        `INSERT INTO qualification_sessions (id, sales_channel_id, livemode, status, created_at, updated_at,
           email, customer_name, user_id, source, skus_param, metadata, success_url, failure_url, order_items,
           eligible_amount, expires_at, lmn_reviewed_at, rejection_reason, shopper_state, submitted_at, search_text)
         SELECT id, $1, 0, status, created, COALESCE(reviewed, submitted, created),
           email, NULL, user_id, $4, 'SKU-1', NULL, NULL, NULL, $5,
           CASE WHEN status = 'approved' THEN 4999 END,
           CASE WHEN status = 'approved' THEN created + ${365 * DAY_MS} END,
           reviewed,
           CASE WHEN status = 'rejected' THEN 'clinician_declined' END,
           CASE WHEN submitted IS NOT NULL THEN 'CA' END,
           submitted,
           id || chr(10) || email || chr(10) || user_id || chr(10) || $4
         FROM (
           SELECT id, status, created, email, user_id,
             CASE WHEN status IN ('approved', 'rejected') THEN created + 3600000 END AS reviewed,
             CASE WHEN status <> 'pending' THEN created + 600000 END AS submitted
           FROM (
             SELECT 'qs_00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0') AS id,
               CASE WHEN i % 20 < 8 THEN 'pending' WHEN i % 20 < 10 THEN 'processing'
                    WHEN i % 20 < 17 THEN 'approved' ELSE 'rejected' END AS status,
               $2::bigint - i * 100 AS created,
               'shopper' || i || '@example.com' AS email,
               'user_' || i AS user_id
             FROM generate_series($3::bigint, $6::bigint - 1) AS i
           ) s
         ) t`,
        [channelId, now, start, SEED_SOURCE, ORDER_ITEMS, end],
      );
    }
    await client.query('DELETE FROM session_counts WHERE sales_channel_id = $1', [channelId]);
    await client.query(RECOUNT, [channelId]);
    // Fresh statistics and visibility map, as autovacuum would leave them on a live table.
    await client.query('VACUUM ANALYZE qualification_sessions');
    await client.query('VACUUM ANALYZE session_counts');
  } finally {
    await client.end();
  }
}
