import { type Static, Type } from 'typebox';
import { defineForm, type FieldErrors } from '../html/forms.js';
import { MAX_VALIDITY_DAYS } from '../sessions/lifecycle.service.js';
import type { OrderItem } from '../sessions/sessions.schemas.js';
import { REJECTION_REASONS } from '../sessions/sessions.vocabulary.js';
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

const ApproveSchema = Type.Object({
  _csrf: csrf,
  /** The covered items: one checkbox per order item, all checked at first. */
  sku: Type.Array(Type.String(), { default: [] }),
  validity_days: Type.Integer({
    minimum: 1,
    maximum: MAX_VALIDITY_DAYS,
    'x-invalid': `Validity must be a whole number of days from 1 to ${MAX_VALIDITY_DAYS}.`,
  }),
  note: Note,
});
export type ApproveValues = Static<typeof ApproveSchema>;

export const ApproveForm = defineForm(ApproveSchema, {
  check(values, { items }: { items: readonly OrderItem[] }): FieldErrors<ApproveValues> {
    return items.length > 0 && values.sku?.length === 0
      ? { sku: 'Choose at least one covered item, or reject with “items not covered”.' }
      : {};
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
