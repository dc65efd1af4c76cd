import { Type } from 'typebox';
import { defineForm } from '../html/forms.js';
import { MAX_ROTATION_OVERLAP_MS } from '../webhooks/endpoints.service.js';

/** Issue 12 — the dashboard's forms. Every form but sign-in and set-password carries the session's CSRF token. */

const csrf = Type.String({ default: '' });

export const CsrfForm = defineForm(Type.Object({ _csrf: csrf }));

export const SignInForm = defineForm(
  Type.Object({
    _csrf: csrf,
    email: Type.String({ default: '' }),
    password: Type.String({ default: '', 'x-as-typed': true }),
  }),
);

export const SetPasswordForm = defineForm(
  Type.Object({
    token: Type.String({ default: '' }),
    password: Type.String({ default: '', 'x-as-typed': true }),
  }),
);

export const RedeliverForm = defineForm(Type.Object({ _csrf: csrf, back: Type.String({ default: '' }) }));

export const EndpointForm = defineForm(
  Type.Object({
    _csrf: csrf,
    url: Type.String({ default: '' }),
    mode: Type.String({ default: 'signed' }),
    events: Type.Array(Type.String(), { default: [] }),
  }),
);

export const RotateForm = defineForm(
  Type.Object({
    _csrf: csrf,
    overlap_seconds: Type.Integer({
      minimum: 0,
      maximum: MAX_ROTATION_OVERLAP_MS / 1000,
      default: 86_400,
      'x-invalid': 'Choose how long the old secret stays valid.',
    }),
  }),
);

export const MemberForm = defineForm(
  Type.Object({ _csrf: csrf, email: Type.String({ default: '' }), role: Type.String({ default: 'viewer' }) }),
);

/** Issue 12 item 1 — the "Authentication code" step and the first code of an enrolment. */
export const CodeForm = defineForm(
  Type.Object({
    _csrf: csrf,
    code: Type.String({ default: '', maxLength: 32, 'x-invalid': 'Enter the code from your app.' }),
  }),
);
