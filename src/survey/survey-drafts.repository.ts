import type { SurveyDraftTable } from '../db/schema.review.js';
import type { Executor } from '../db/transaction.js';
import { sealedColumn } from '../phi/sealed-column.repository.js';

export type SurveyDraftRow = SurveyDraftTable;

/** Issue 10 item 6 — answers typed so far, sealed (listed in `src/phi/sealed-columns.ts`). */
export const SEALED_SURVEY_DRAFTS = sealedColumn('survey_drafts', 'session_id', 'answers');

/** SQL of `survey_drafts`: one sealed draft per session, deleted at Submit. */
export class SurveyDraftsRepository {
  async find(db: Executor, sessionId: string): Promise<SurveyDraftRow | undefined> {
    return db
      .selectFrom('survey_drafts')
      .select(['session_id', 'answers', 'updated_at'])
      .where('session_id', '=', sessionId)
      .executeTakeFirst();
  }

  async save(db: Executor, row: SurveyDraftRow): Promise<void> {
    await db
      .insertInto('survey_drafts')
      .values(row)
      .onConflict((oc) =>
        oc.column('session_id').doUpdateSet({ answers: row.answers, updated_at: row.updated_at }),
      )
      .execute();
  }

  async delete(db: Executor, sessionId: string): Promise<void> {
    await db.deleteFrom('survey_drafts').where('session_id', '=', sessionId).execute();
  }
}
