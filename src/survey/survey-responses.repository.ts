import type { SurveyResponseTable } from '../db/schema.review.js';
import type { Executor } from '../db/transaction.js';
import { sealedColumn } from '../phi/sealed-column.repository.js';

export type SurveyResponseRow = SurveyResponseTable;

/** SPEC §2.6 — the answers, sealed (issue 13 item 2: listed in `src/phi/sealed-columns.ts`). */
export const SEALED_SURVEY_ANSWERS = sealedColumn('survey_responses', 'session_id', 'answers');

/** SQL of `survey_responses`: the encrypted answers, one row per submitted session (SPEC §2.2). */
export class SurveyResponsesRepository {
  async insert(db: Executor, row: SurveyResponseRow): Promise<void> {
    await db.insertInto('survey_responses').values(row).execute();
  }

  async find(db: Executor, sessionId: string): Promise<SurveyResponseRow | undefined> {
    return db
      .selectFrom('survey_responses')
      .select(['session_id', 'answers', 'telehealth_consent_at', 'privacy_consent_at', 'created_at'])
      .where('session_id', '=', sessionId)
      .executeTakeFirst();
  }
}
