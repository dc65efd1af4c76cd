import type { LetterCheckTable } from '../db/schema.review.js';
import type { Executor } from '../db/transaction.js';

export type LetterCheckRow = LetterCheckTable;

/** SQL of `letter_checks`: the patient check's wrong tries and lockout per session (issue 10 item 1). */
export class LetterChecksRepository {
  async find(db: Executor, sessionId: string): Promise<LetterCheckRow | undefined> {
    return db
      .selectFrom('letter_checks')
      .select(['session_id', 'failed_attempts', 'locked_until', 'updated_at'])
      .where('session_id', '=', sessionId)
      .executeTakeFirst();
  }

  /** Writes the row whole (the caller holds the session's row lock, so tries are counted one by one). */
  async save(db: Executor, row: LetterCheckRow): Promise<void> {
    await db
      .insertInto('letter_checks')
      .values(row)
      .onConflict((oc) =>
        oc.column('session_id').doUpdateSet({
          failed_attempts: row.failed_attempts,
          locked_until: row.locked_until,
          updated_at: row.updated_at,
        }),
      )
      .execute();
  }
}
