import type { ReviewTable } from '../db/schema.review.js';
import type { Executor } from '../db/transaction.js';
import { sealedColumn } from '../phi/sealed-column.repository.js';

export type ReviewRow = ReviewTable;

/** SPEC §2.6 — the clinician's note, sealed (issue 13 item 2: listed in `src/phi/sealed-columns.ts`). */
export const SEALED_REVIEW_NOTES = sealedColumn('reviews', 'session_id', 'note');

/** SQL of `reviews`: one clinician decision per session (SPEC §2.3); the queue is the sessions repository's. */
export class ReviewsRepository {
  async insert(db: Executor, row: ReviewRow): Promise<void> {
    await db.insertInto('reviews').values(row).execute();
  }
}
