import type { ReviewTable } from '../db/schema.review.js';
import type { Executor } from '../db/transaction.js';
import { sealedColumn } from '../phi/sealed-column.repository.js';
import { SESSION_COLUMNS, type SessionRow } from '../sessions/sessions.repository.js';

export const QUEUE_LIMIT = 200;

/** SPEC §2.6 — the clinician's note, sealed (issue 13 item 2: listed in `src/phi/sealed-columns.ts`). */
export const SEALED_REVIEW_NOTES = sealedColumn('reviews', 'session_id', 'note');

export class ReviewRepository {
  /** SPEC §2.3 — `processing` sessions in the given states, oldest submission first. */
  async queue(db: Executor, states: string[]): Promise<SessionRow[]> {
    if (states.length === 0) return [];
    return db
      .selectFrom('qualification_sessions')
      .select(SESSION_COLUMNS)
      .where('status', '=', 'processing')
      .where('shopper_state', 'in', states)
      .orderBy('submitted_at', 'asc')
      .orderBy('id', 'asc')
      .limit(QUEUE_LIMIT)
      .execute();
  }

  async insertReview(db: Executor, row: ReviewTable): Promise<void> {
    await db.insertInto('reviews').values(row).execute();
  }
}
