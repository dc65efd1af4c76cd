import { type SurveyDefinition, US_STATES } from './definition.js';

/** What the shopper typed, kept as typed so a form with errors re-renders with nothing lost. */
export interface SurveyFormValues {
  email: string;
  date_of_birth: string;
  state: string;
  conditions: string[];
  details: string;
  consent_telehealth: boolean;
  consent_privacy: boolean;
}

export type SurveyField = keyof SurveyFormValues;
export type SurveyErrors = Partial<Record<SurveyField, string>>;

export const DETAILS_MAX = 2000;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type FormBody = Record<string, string | string[] | undefined>;

function one(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}

function many(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return [...new Set(Array.isArray(value) ? value : [value])];
}

export function readSurveyForm(body: FormBody): SurveyFormValues {
  return {
    email: one(body.email),
    date_of_birth: one(body.date_of_birth),
    state: one(body.state).toUpperCase(),
    conditions: many(body.condition),
    details: (Array.isArray(body.details) ? body.details[0] : body.details) ?? '',
    consent_telehealth: one(body.consent_telehealth) !== '',
    consent_privacy: one(body.consent_privacy) !== '',
  };
}

/** A real calendar date `YYYY-MM-DD` from 1900 up to `now`. */
export function isValidBirthDate(text: string, now: number): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00.000Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) return false;
  return ms <= now && Number(text.slice(0, 4)) >= 1900;
}

/**
 * SPEC §2.2 — form errors, in plain words. Being under 18 is not a form error: it is an
 * automatic `age_ineligible` rejection by the pre-screen (SPEC §2.4).
 */
export function validateSurveyForm(
  values: SurveyFormValues,
  definition: SurveyDefinition,
  now: number,
): SurveyErrors {
  const errors: SurveyErrors = {};
  if (values.email === '') errors.email = 'Enter your email address.';
  else if (values.email.length > 254 || !EMAIL.test(values.email))
    errors.email = 'Enter an email address like name@example.com.';

  if (values.date_of_birth === '') errors.date_of_birth = 'Enter your date of birth.';
  else if (!isValidBirthDate(values.date_of_birth, now))
    errors.date_of_birth = 'Enter a real date of birth, for example 1980-04-23.';

  if (!(values.state in US_STATES)) errors.state = 'Choose the state you live in.';

  const known = new Map(definition.conditions.map((c) => [c.id, c]));
  if (values.conditions.length === 0) {
    errors.conditions = 'Choose the conditions that apply to you, or “None of these”.';
  } else if (values.conditions.some((id) => !known.has(id))) {
    errors.conditions = 'Choose from the conditions listed.';
  } else if (values.conditions.length > 1 && values.conditions.some((id) => known.get(id)?.exclusive)) {
    errors.conditions = '“None of these” cannot be combined with another condition.';
  }

  if (values.details.length > DETAILS_MAX)
    errors.details = `Keep the details under ${DETAILS_MAX} characters.`;
  if (!values.consent_telehealth)
    errors.consent_telehealth = 'Give your consent to the telehealth review to continue.';
  if (!values.consent_privacy) errors.consent_privacy = 'Accept the privacy notice to continue.';
  return errors;
}
