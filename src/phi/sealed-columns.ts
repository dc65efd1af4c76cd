import { SEALED_TOTP_SECRETS } from '../auth/totp.repository.js';
import { SEALED_ANSWERS, SEALED_QUESTIONS } from '../console/questions.repository.js';
import { SEALED_REVIEW_NOTES } from '../console/reviews.repository.js';
import { SEALED_LETTER_CLINICAL } from '../lmn/lmn.repository.js';
import { SEALED_SURVEY_DRAFTS } from '../survey/survey-drafts.repository.js';
import { SEALED_SURVEY_ANSWERS } from '../survey/survey-responses.repository.js';
import { SEALED_WEBHOOK_SECRETS } from '../webhooks/endpoints.repository.js';
import type { SealedColumn } from './sealed-column.repository.js';

/**
 * Issue 13 item 2 — every column that holds `v1:` envelopes: what `qualify secret rotate`
 * re-seals and the start-up key check samples. A new encrypted column joins here in one line
 * (declared with `sealedColumn` in its own repository); `test/secrets/sealed-columns.test.ts`
 * fails when a column holding envelopes is missing.
 */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  SEALED_SURVEY_ANSWERS,
  SEALED_SURVEY_DRAFTS,
  SEALED_REVIEW_NOTES,
  SEALED_LETTER_CLINICAL,
  SEALED_WEBHOOK_SECRETS,
  SEALED_TOTP_SECRETS,
  SEALED_QUESTIONS,
  SEALED_ANSWERS,
];
