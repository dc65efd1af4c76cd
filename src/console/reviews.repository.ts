import type { ReviewClaimTable, ReviewTable } from '../db/schema.review.js';
import type { Executor } from '../db/transaction.js';
import { sealedColumn } from '../phi/sealed-column.repository.js';

export type ReviewRow = ReviewTable;
export type ReviewClaimRow = ReviewClaimTable;

/** SPEC §2.6 — the clinician's note, sealed (issue 13 item 2: listed in `src/phi/sealed-columns.ts`). */
export const SEALED_REVIEW_NOTES = sealedColumn('reviews', 'session_id', 'note');

/**
 * SQL of `reviews` (one clinician decision per session, SPEC §2.3) and `review_claims` (issue 11
 * item 6: who has a session open); the queue is the sessions repository's.
 */
export class ReviewsRepository {
  async insert(db: Executor, row: ReviewRow): Promise<void> {
    await db.insertInto('reviews').values(row).execute();
  }

  async find(db: Executor, sessionId: string): Promise<ReviewRow | undefined> {
    return db
      .selectFrom('reviews')
      .select(['session_id', 'clinician_id', 'decision', 'note', 'created_at'])
      .where('session_id', '=', sessionId)
      .executeTakeFirst();
  }

  /** Issue 11 item 6 — "My decisions": newest first, one page. */
  async byClinician(db: Executor, clinicianId: string, limit: number, offset: number): Promise<ReviewRow[]> {
    return db
      .selectFrom('reviews')
      .select(['session_id', 'clinician_id', 'decision', 'note', 'created_at'])
      .where('clinician_id', '=', clinicianId)
      .orderBy('created_at', 'desc')
      .orderBy('session_id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
  }

  async countByClinician(db: Executor, clinicianId: string): Promise<number> {
    const row = await db
      .selectFrom('reviews')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('clinician_id', '=', clinicianId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** The clinician now has the session open (a newer claim replaces any other). */
  async claim(db: Executor, row: ReviewClaimRow): Promise<void> {
    await db
      .insertInto('review_claims')
      .values(row)
      .onConflict((oc) =>
        oc.column('session_id').doUpdateSet({ clinician_id: row.clinician_id, claimed_at: row.claimed_at }),
      )
      .execute();
  }

  async claims(db: Executor, sessionIds: readonly string[], since: number): Promise<ReviewClaimRow[]> {
    if (sessionIds.length === 0) return [];
    return db
      .selectFrom('review_claims')
      .select(['session_id', 'clinician_id', 'claimed_at'])
      .where('session_id', 'in', sessionIds)
      .where('claimed_at', '>', since)
      .execute();
  }

  async release(db: Executor, sessionId: string): Promise<void> {
    await db.deleteFrom('review_claims').where('session_id', '=', sessionId).execute();
  }
}
