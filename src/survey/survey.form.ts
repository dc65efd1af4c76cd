import { type Static, Type } from 'typebox';
import { defineForm, type FieldErrors, type FormInput } from '../html/forms.js';
import { type SurveyDefinition, US_STATES } from './definition.js';
import type { SurveySubmission } from './survey.service.js';

export const DETAILS_MAX = 2000;
/** Something, an @, something, a dot, something: what a shopper can fix by reading the message. */
const EMAIL_PATTERN = '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$';

/**
 * SPEC §2.2 — the survey form, validated in one place with its errors in plain words. Being under 18
 * is not a form error: it is an automatic `age_ineligible` rejection by the pre-screen (SPEC §2.4).
 * The conditions come from the survey definition, so the form is built once per definition.
 */
function surveySchema(definition: SurveyDefinition) {
  return Type.Object({
    /** The link token travels in a hidden field, never in the form's URL. */
    t: Type.String({ default: '' }),
    action: Type.String({ default: 'submit' }),
    email: Type.String({
      maxLength: 254,
      pattern: EMAIL_PATTERN,
      'x-missing': 'Enter your email address.',
      'x-invalid': 'Enter an email address like name@example.com.',
    }),
    date_of_birth: Type.String({
      'x-missing': 'Enter your date of birth.',
      'x-invalid': 'Enter a real date of birth as year-month-day, for example 1980-04-23.',
    }),
    state: Type.Enum(Object.keys(US_STATES), {
      'x-upper-case': true,
      'x-invalid': 'Choose the state you live in.',
    }),
    condition: Type.Array(Type.Enum(definition.conditions.map((c) => c.id)), {
      minItems: 1,
      'x-missing': 'Choose the conditions that apply to you, or “None of these”.',
      'x-invalid': 'Choose from the conditions listed.',
    }),
    details: Type.String({
      default: '',
      maxLength: DETAILS_MAX,
      'x-as-typed': true,
      'x-invalid': `Keep the details under ${DETAILS_MAX} characters.`,
    }),
    consent_telehealth: Type.String({
      'x-missing': 'Give your consent to the telehealth review to continue.',
    }),
    consent_privacy: Type.String({ 'x-missing': 'Accept the privacy notice to continue.' }),
  });
}

export type SurveyFormValues = Static<ReturnType<typeof surveySchema>>;
export type SurveyFormInput = FormInput<SurveyFormValues>;
export type SurveyErrors = FieldErrors<SurveyFormValues>;
export type SurveyField = keyof SurveyErrors;

export function surveyForm(definition: SurveyDefinition) {
  const known = new Map(definition.conditions.map((c) => [c.id, c]));
  return defineForm(surveySchema(definition), {
    check(values, { now }: { now: number }): SurveyErrors {
      const errors: SurveyErrors = {};
      const birth = values.date_of_birth === undefined ? undefined : normaliseBirthDate(values.date_of_birth);
      if (values.date_of_birth !== undefined && (!birth || !isValidBirthDate(birth, now)))
        errors.date_of_birth = 'Enter a real date of birth as year-month-day, for example 1980-04-23.';
      const chosen = values.condition ?? [];
      if (chosen.length > 1 && chosen.some((id) => known.get(id)?.exclusive))
        errors.condition = '“None of these” cannot be combined with another condition.';
      return errors;
    },
  });
}

export type SurveyForm = ReturnType<typeof surveyForm>;

export function submissionOf(values: SurveyFormValues): SurveySubmission {
  return {
    email: values.email,
    state: values.state,
    answers: {
      date_of_birth: normaliseBirthDate(values.date_of_birth) ?? values.date_of_birth,
      conditions: values.condition,
      details: values.details,
    },
  };
}

/** A real calendar date `YYYY-MM-DD` from 1900 up to `now`. */
export function isValidBirthDate(text: string, now: number): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00.000Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text) return false;
  return ms <= now && Number(text.slice(0, 4)) >= 1900;
}

const MONTHS = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/;
const ISO = /^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})$/;

/**
 * What a person types for a date of birth, as `YYYY-MM-DD`: `1980-04-23`, `1980-4-23`,
 * `04/23/1980` (US order), with spaces around; undefined when it is not a real date.
 */
export function normaliseBirthDate(text: string): string | undefined {
  const trimmed = text.trim().replace(/\s+/g, '');
  const iso = ISO.exec(trimmed);
  const us = MONTHS.exec(trimmed);
  const [y, m, d] = iso ? [iso[1], iso[2], iso[3]] : us ? [us[3], us[1], us[2]] : [];
  if (!y || !m || !d) return undefined;
  const value = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  const ms = Date.parse(`${value}T00:00:00.000Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value ? value : undefined;
}
