import { type Static, Type } from 'typebox';
import { defineForm, type FieldErrors, type FormInput } from '../html/forms.js';
import { MAX_VALIDITY_DAYS } from '../sessions/lifecycle.service.js';
import type { OrderItem } from '../sessions/sessions.schemas.js';
import { REJECTION_REASONS } from '../sessions/sessions.vocabulary.js';
import { LICENSE_NUMBER_PATTERN, PRACTICE_ADDRESS_MAX } from './clinicians.service.js';
import { CLINICIAN_ROLES, SANDBOX_ACCESS } from './clinicians.vocabulary.js';
import { MIN_PASSWORD_LENGTH } from './passwords.js';

/** SPEC §2.3 — the console's forms, each validated by `defineForm` with its messages in plain words. */

export const NOTE_MAX = 2000;

/** Every console form carries the session's (or the sign-in page's) CSRF token; checked before the rest. */
const csrf = Type.String({ default: '' });

const Note = Type.String({
  default: '',
  maxLength: NOTE_MAX,
  'x-as-typed': true,
  'x-invalid': `Keep the note under ${NOTE_MAX} characters.`,
});

export const CsrfForm = defineForm(Type.Object({ _csrf: csrf }));

export const SignInForm = defineForm(
  Type.Object({
    _csrf: csrf,
    email: Type.String({ default: '' }),
    password: Type.String({ default: '', 'x-as-typed': true }),
  }),
);

export const ITEM_TEXT_MAX = 200;

const ItemTexts = (what: string) =>
  Type.Array(Type.String({ maxLength: ITEM_TEXT_MAX }), {
    default: [],
    'x-in-order': true,
    'x-invalid': `Keep each item's ${what} under ${ITEM_TEXT_MAX} characters.`,
  });

const ApproveSchema = Type.Object({
  _csrf: csrf,
  /** `preview` shows the exact letter; `confirm` signs what was previewed (issue 11 item 5). */
  action: Type.Enum(['preview', 'confirm'], { default: 'preview' }),
  /** The digest of the previewed decision: a confirm of anything else is previewed again. */
  previewed: Type.String({ default: '' }),
  /** The covered items: one checkbox per order item, none ticked at first (issue 11 item 5). */
  sku: Type.Array(Type.String(), { default: [] }),
  /** The diagnoses relied on, by ICD-10-CM code, from the survey definition. */
  diagnosis: Type.Array(Type.String(), { default: [] }),
  /** Per order item, in order: recommended use and duration (defaults from the definition). */
  use: ItemTexts('recommended use'),
  duration: ItemTexts('duration'),
  validity_days: Type.Integer({
    minimum: 1,
    maximum: MAX_VALIDITY_DAYS,
    'x-invalid': `Validity must be a whole number of days from 1 to ${MAX_VALIDITY_DAYS}.`,
  }),
  note: Note,
});
export type ApproveValues = Static<typeof ApproveSchema>;
export type ApproveInput = FormInput<ApproveValues>;

export const ApproveForm = defineForm(ApproveSchema, {
  check(
    values,
    { items, diagnoses }: { items: readonly OrderItem[]; diagnoses: ReadonlySet<string> },
  ): FieldErrors<ApproveValues> {
    const errors: FieldErrors<ApproveValues> = {};
    if (items.length > 0 && (values.sku?.length ?? 0) === 0)
      errors.sku = 'Choose at least one covered item, or reject with “items not covered”.';
    const skus = new Set(items.map((i) => i.sku));
    if (values.sku?.some((sku) => !skus.has(sku))) errors.sku = 'Choose from the items of this order.';
    if ((values.diagnosis?.length ?? 0) === 0)
      errors.diagnosis = 'Choose at least one diagnosis the items treat, or reject.';
    else if (values.diagnosis?.some((code) => !diagnoses.has(code)))
      errors.diagnosis = 'Choose from the diagnoses listed.';
    // An item's use or duration left empty takes the definition's default (shown in the preview).
    return errors;
  },
});

const RejectSchema = Type.Object({
  _csrf: csrf,
  reason: Type.Enum([...REJECTION_REASONS], { 'x-invalid': 'Choose a reason.' }),
  note: Note,
});
export type RejectValues = Static<typeof RejectSchema>;

export const RejectForm = defineForm(RejectSchema);

/** The errors the review page can show, next to the decision they belong to. */
export type DecisionErrors = FieldErrors<ApproveValues & RejectValues>;

/** Issue 10 item 3 — the clinician's profile: one licence number per licensed state, in order. */
const ProfileSchema = Type.Object({
  _csrf: csrf,
  practice_address: Type.String({
    default: '',
    maxLength: PRACTICE_ADDRESS_MAX,
    'x-invalid': `Keep the practice address under ${PRACTICE_ADDRESS_MAX} characters.`,
  }),
  license_state: Type.Array(Type.String(), { default: [], 'x-in-order': true }),
  license_number: Type.Array(Type.String({ pattern: `^(|${LICENSE_NUMBER_PATTERN.source.slice(1, -1)})$` }), {
    default: [],
    'x-in-order': true,
    'x-invalid':
      'A licence number is letters and digits (dashes, dots, slashes and spaces allowed), up to 40.',
  }),
});
export type ProfileValues = Static<typeof ProfileSchema>;
export type ProfileErrors = FieldErrors<ProfileValues>;
export type ProfileInput = FormInput<ProfileValues>;

export const ProfileForm = defineForm(ProfileSchema);

/** Issue 11 item 2 — the "Authentication code" step (a code from the app, or a recovery code). */
export const CodeForm = defineForm(
  Type.Object({
    _csrf: csrf,
    code: Type.String({ default: '', maxLength: 32, 'x-invalid': 'Enter the code from your app.' }),
  }),
);

const ResetSchema = Type.Object({
  password: Type.String({
    default: '',
    minLength: MIN_PASSWORD_LENGTH,
    maxLength: 1000,
    'x-as-typed': true,
    'x-missing': 'Choose a new password.',
    'x-invalid': `Use at least ${MIN_PASSWORD_LENGTH} characters.`,
  }),
  confirm: Type.String({ default: '', 'x-as-typed': true }),
});
export type ResetValues = Static<typeof ResetSchema>;

/** Issue 11 item 1 — a new password from a reset link, typed twice. */
export const ResetForm = defineForm(ResetSchema, {
  check(values): FieldErrors<ResetValues> {
    return values.password !== values.confirm ? { confirm: 'The two passwords are not the same.' } : {};
  },
});

const text = (max: number) =>
  Type.String({ default: '', maxLength: max, 'x-invalid': `Keep it under ${max} characters.` });

/** Issue 11 item 1 — the admin's account form (add and edit); the service checks the values. */
const AccountSchema = Type.Object({
  _csrf: csrf,
  email: text(254),
  name: text(255),
  credentials: text(64),
  npi: text(10),
  states: text(400),
  /** Issue 10 item 3 — one `STATE=NUMBER` per line (or comma-separated); the service checks each. */
  licenses: text(4000),
  practice_address: text(PRACTICE_ADDRESS_MAX),
  role: Type.Enum([...CLINICIAN_ROLES], { 'x-invalid': 'Choose a role.' }),
  sandbox: Type.Enum([...SANDBOX_ACCESS], { 'x-invalid': 'Choose the queues.' }),
});
export type AccountValues = Static<typeof AccountSchema>;
export const AccountForm = defineForm(AccountSchema);

/** Issue 11 item 5 — the clinician's question to the shopper. */
export const AskForm = defineForm(
  Type.Object({
    _csrf: csrf,
    question: Type.String({
      default: '',
      minLength: 1,
      maxLength: 2000,
      'x-as-typed': true,
      'x-missing': 'Write the question for the shopper.',
      'x-invalid': 'Keep the question under 2000 characters.',
    }),
  }),
);
