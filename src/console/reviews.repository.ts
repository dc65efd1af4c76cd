import type { ReviewTable } from '../db/schema.review.js';
import type { Executor } from '../db/transaction.js';

export type ReviewRow = ReviewTable;

/** SQL of `reviews`: one clinician decision per session (SPEC §2.3); the queue is the sessions repository's. */
export class ReviewsRepository {
  async insert(db: Executor, row: ReviewRow): Promise<void> {
    await db.insertInto('reviews').values(row).execute();
  }
}
