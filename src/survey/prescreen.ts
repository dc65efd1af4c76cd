import type { RejectionReason } from '../sessions/sessions.vocabulary.js';
import type { SurveyDefinition } from './definition.js';

export interface SurveyAnswers {
  /** `YYYY-MM-DD`. */
  date_of_birth: string;
  conditions: string[];
  details: string;
}

export type PrescreenResult = { eligible: true } | { eligible: false; reason: RejectionReason };

export const MINIMUM_AGE = 18;

/** Whole years between a `YYYY-MM-DD` birth date and `now` (UTC). */
export function ageOn(dateOfBirth: string, now: number): number {
  const [y, m, d] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const today = new Date(now);
  let age = today.getUTCFullYear() - y;
  const month = today.getUTCMonth() + 1;
  if (month < m || (month === m && today.getUTCDate() < d)) age -= 1;
  return age;
}

/**
 * SPEC §2.4 — the deterministic pre-screen, a pure function: under 18 → `age_ineligible`;
 * no qualifying condition → `no_qualifying_condition`. Anything else goes to a clinician.
 */
export function prescreen(
  answers: SurveyAnswers,
  definition: SurveyDefinition,
  now: number,
): PrescreenResult {
  if (ageOn(answers.date_of_birth, now) < MINIMUM_AGE) return { eligible: false, reason: 'age_ineligible' };
  const qualifying = new Set(definition.conditions.filter((c) => c.qualifying).map((c) => c.id));
  if (!answers.conditions.some((id) => qualifying.has(id))) {
    return { eligible: false, reason: 'no_qualifying_condition' };
  }
  return { eligible: true };
}
