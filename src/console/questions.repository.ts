import type { SessionQuestionTable } from '../db/schema.review.js';
import type { Executor } from '../db/transaction.js';
import { sealedColumn } from '../phi/sealed-column.repository.js';

export type QuestionRow = SessionQuestionTable;

/** Issue 11 item 5 — the clinician's question and the shopper's answer are health information: sealed. */
export const SEALED_QUESTIONS = sealedColumn('session_questions', 'id', 'question');
export const SEALED_ANSWERS = sealedColumn('session_questions', 'id', 'answer');

const COLUMNS = [
  'id',
  'session_id',
  'clinician_id',
  'question',
  'asked_at',
  'answer',
  'answered_at',
] as const satisfies readonly (keyof QuestionRow)[];

/** SQL of `session_questions`: "Ask the shopper" (issue 11 item 5). */
export class QuestionsRepository {
  async insert(db: Executor, row: QuestionRow): Promise<void> {
    await db.insertInto('session_questions').values(row).execute();
  }

  /** Every question of a session, oldest first. */
  async forSession(db: Executor, sessionId: string): Promise<QuestionRow[]> {
    return db
      .selectFrom('session_questions')
      .select(COLUMNS)
      .where('session_id', '=', sessionId)
      .orderBy('asked_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
  }

  /** Records the answer once: false when the question was already answered. */
  async answer(db: Executor, id: string, answer: string, now: number): Promise<boolean> {
    const result = await db
      .updateTable('session_questions')
      .set({ answer, answered_at: now })
      .where('id', '=', id)
      .where('answered_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
