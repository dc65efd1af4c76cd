// Bulk seeding for the benchmark: sessions for one channel, written through the sessions
// repository's typed bulk insert in big transactions (the API would take hours for 1M rows). Rows
// are full session rows (a new column is a compile error here until it is given a value); the
// repository computes the derived columns (search text, list counts). Rows look like real ones: a
// status mix, emails, user ids, order items.
import { sql } from 'kysely';
import { openDatabase } from '../src/db/database.js';
import { transact } from '../src/db/transaction.js';
import { createRepositories } from '../src/repositories.js';
import type { NewSessionRow } from '../src/sessions/sessions.repository.js';
import type { SessionStatus } from '../src/sessions/sessions.vocabulary.js';

export const SEED_SOURCE = 'bench';
const DAY_MS = 86_400_000;
const ORDER_ITEMS = '[{"sku":"SKU-1","name":"Blood pressure monitor","price":4999,"quantity":1}]';
/** Rows per transaction: big enough that commits do not dominate, small enough to bound memory. */
const ROWS_PER_TRANSACTION = 100_000;

/** Row `i`'s id: deterministic, so scenarios can address seeded sessions without reading them back. */
export function seededId(i: number): string {
  return `qs_00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

/** Status mix by `i % 20`: 40% pending, 10% processing, 35% approved, 15% rejected. */
function seededStatus(i: number): SessionStatus {
  const r = i % 20;
  if (r < 8) return 'pending';
  if (r < 10) return 'processing';
  if (r < 17) return 'approved';
  return 'rejected';
}

export interface SeedRange {
  channelId: string;
  /** First row index (inclusive) and last (exclusive): seeding can grow a table in steps. */
  from: number;
  to: number;
  /** created_at of row 0; row i was created i×100 ms earlier. */
  now: number;
}

function seededSession(channelId: string, i: number, now: number): NewSessionRow {
  const status = seededStatus(i);
  const created = now - i * 100;
  const reviewed = status === 'approved' || status === 'rejected' ? created + 3_600_000 : null;
  const submitted = status === 'pending' ? null : created + 600_000;
  return {
    id: seededId(i),
    sales_channel_id: channelId,
    livemode: 0,
    status,
    created_at: created,
    updated_at: reviewed ?? submitted ?? created,
    email: `shopper${i}@example.com`,
    customer_name: null,
    user_id: `user_${i}`,
    source: SEED_SOURCE,
    skus_param: 'SKU-1',
    metadata: null,
    success_url: null,
    failure_url: null,
    order_items: ORDER_ITEMS,
    eligible_amount: status === 'approved' ? 4999 : null,
    expires_at: status === 'approved' ? created + 365 * DAY_MS : null,
    lmn_reviewed_at: reviewed,
    rejection_reason: status === 'rejected' ? 'clinician_declined' : null,
    shopper_state: submitted === null ? null : 'CA',
    submitted_at: submitted,
    awaiting_shopper_since: null,
    requeued_at: null,
  };
}

export async function seedSessions(
  databaseUrl: string,
  { channelId, from, to, now }: SeedRange,
  /** Issue 14 item 6 — rows written so far, after each transaction. */
  onProgress?: (written: number, total: number) => void,
): Promise<void> {
  const database = openDatabase(databaseUrl, { poolSize: 1 });
  const { sessions } = createRepositories();
  try {
    for (let start = from; start < to; start += ROWS_PER_TRANSACTION) {
      const rows: NewSessionRow[] = [];
      for (let i = start; i < Math.min(to, start + ROWS_PER_TRANSACTION); i++)
        rows.push(seededSession(channelId, i, now));
      await transact(database, (tx) => sessions.insertMany(tx.db, tx.engine, rows));
      onProgress?.(start + rows.length - from, to - from);
    }
    if (database.engine === 'postgres') {
      // Fresh statistics and visibility map, as autovacuum would leave them on a live table.
      await sql`VACUUM ANALYZE qualification_sessions`.execute(database.db);
      await sql`VACUUM ANALYZE session_counts`.execute(database.db);
    }
  } finally {
    await database.close();
  }
}
