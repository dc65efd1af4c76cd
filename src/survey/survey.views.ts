import type { ChannelBranding } from '../channels/channels.service.js';
import { html, type SafeHtml, when } from '../html/html.js';
import { page } from '../html/layout.js';
import type { OrderItem } from '../sessions/sessions.schemas.js';
import type { RejectionReason } from '../sessions/sessions.vocabulary.js';
import { type SurveyDefinition, US_STATES } from './definition.js';
import { DETAILS_MAX, type SurveyErrors, type SurveyField, type SurveyFormInput } from './survey.form.js';

export interface SurveyFormView {
  sessionId: string;
  token: string;
  definition: SurveyDefinition;
  /** What the shopper typed (empty on the first visit but for the merchant's email). */
  input: SurveyFormInput;
  errors: SurveyErrors;
  customerName: string | null;
  /** Who the shopper is buying from, and what is being qualified (issue 10 item 6). */
  merchant: ChannelBranding;
  items: OrderItem[];
  notice?: string;
}

/** Where the summary's link for a field's error jumps to: the field, or a list's first box. */
const FIELD_ANCHORS: Partial<Record<SurveyField, string>> = { condition: 'condition-0' };

function fieldError(errors: SurveyErrors, field: SurveyField): SafeHtml {
  const message = errors[field];
  return message ? html`<p class="error" id="${field}-error">${message}</p>` : html``;
}

function invalid(errors: SurveyErrors, field: SurveyField): SafeHtml {
  return errors[field] ? html`aria-invalid="true" aria-describedby="${field}-error"` : html``;
}

/**
 * SPEC §2.2 — the survey: one server-rendered form, real labels, no script. `novalidate`: the
 * server's messages (kept next to each field and summarised on top) are the one source of errors.
 * The link token travels in a hidden field, so nothing sensitive ever goes into a URL.
 */
export function surveyPage(view: SurveyFormView): string {
  const { input, errors, definition } = view;
  const conditions = input.condition ?? [];
  const problems = Object.entries(errors) as Array<[SurveyField, string]>;
  const summary =
    problems.length > 0
      ? html`<div class="errors" role="alert" tabindex="-1">
<h2>There is a problem</h2>
<ul>${problems.map(([field, message]) => html`<li><a href="#${FIELD_ANCHORS[field] ?? field}">${message}</a></li>`)}</ul>
</div>`
      : html``;
  const greeting = view.customerName ? html`<p>Hello ${view.customerName}.</p>` : html``;
  const { merchant } = view;

  const body = html`<header class="merchant">
${merchant.logoUrl ? html`<img src="${merchant.logoUrl}" alt="${merchant.displayName}" class="logo">` : ''}
<p>For your purchase from <strong>${merchant.displayName}</strong></p>
</header>
<h1>A few questions about your health</h1>
${greeting}
<p>A licensed clinician reviews your answers to decide whether your purchase qualifies for HSA/FSA
funds with a Letter of Medical Necessity. It takes about two minutes. ${merchant.displayName} does not
see your answers. <a href="/privacy">Privacy notice</a></p>
${
  view.items.length > 0
    ? html`<section class="card" aria-labelledby="items-title"><h2 id="items-title">Items being qualified</h2>
<ul>${view.items.map((i) => html`<li>${i.name ?? i.sku}${i.quantity > 1 ? ` × ${i.quantity}` : ''}</li>`)}</ul></section>`
    : ''
}
${view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : ''}
${summary}
<form method="post" action="/q/${view.sessionId}" novalidate class="card">
<input type="hidden" name="t" value="${view.token}">

<label for="email">Email</label>
${fieldError(errors, 'email')}
<input type="email" id="email" name="email" autocomplete="email" value="${input.email ?? ''}" ${invalid(errors, 'email')}>

<label for="date_of_birth">Date of birth</label>
<p class="hint" id="date_of_birth-hint">Year-month-day, for example 1980-04-23. You must be 18 or older.</p>
${fieldError(errors, 'date_of_birth')}
<input type="text" id="date_of_birth" name="date_of_birth" inputmode="numeric" autocomplete="bday" aria-describedby="date_of_birth-hint" value="${input.date_of_birth ?? ''}" ${invalid(errors, 'date_of_birth')}>

<label for="state">State</label>
<p class="hint">Where you live.</p>
${fieldError(errors, 'state')}
<select id="state" name="state" autocomplete="address-level1" ${invalid(errors, 'state')}>
<option value="">Choose…</option>
${Object.entries(US_STATES).map(([code, name]) => html`<option value="${code}" ${when(input.state === code, 'selected')}>${name}</option>`)}
</select>

<fieldset ${errors.condition ? html`aria-describedby="condition-error"` : ''}>
<legend>Which of these conditions apply to you?</legend>
${fieldError(errors, 'condition')}
${definition.conditions.map(
  (condition, index) =>
    html`<div class="check"><label for="condition-${index}"><input type="checkbox" id="condition-${index}" name="condition" value="${condition.id}" ${when(conditions.includes(condition.id), 'checked')}> ${condition.label}</label></div>`,
)}
</fieldset>

<label for="details">Details</label>
<p class="hint">Optional: anything the clinician should know (diagnoses, medicines, how long).</p>
${fieldError(errors, 'details')}
<textarea id="details" name="details" maxlength="${DETAILS_MAX}" ${invalid(errors, 'details')}>${input.details ?? ''}</textarea>

<fieldset>
<legend>Consent</legend>
${fieldError(errors, 'consent_telehealth')}
<div class="check"><label for="consent_telehealth"><input type="checkbox" id="consent_telehealth" name="consent_telehealth" value="yes" ${when(Boolean(input.consent_telehealth), 'checked')} ${invalid(errors, 'consent_telehealth')}> I consent to a telehealth review of my answers by a licensed clinician.</label></div>
${fieldError(errors, 'consent_privacy')}
<div class="check"><label for="consent_privacy"><input type="checkbox" id="consent_privacy" name="consent_privacy" value="yes" ${when(Boolean(input.consent_privacy), 'checked')} ${invalid(errors, 'consent_privacy')}> I have read and accept the privacy notice.</label></div>
<p class="hint"><a href="/privacy">Read the privacy notice</a></p>
</fieldset>

<div class="actions">
<button type="submit" name="action" value="submit">Submit</button>
<button type="submit" name="action" value="save" class="secondary">Save my answers</button>
<button type="submit" name="action" value="decline" class="secondary">Decline</button>
</div>
</form>`;
  const help = merchant.supportEmail
    ? html`<p class="hint">Questions? Write to <a href="mailto:${merchant.supportEmail}">${merchant.supportEmail}</a>.</p>`
    : '';
  return page(problems.length > 0 ? 'Error: health questions' : 'Health questions', html`${body}${help}`, {
    css: '.merchant{display:flex;gap:.75rem;align-items:center}.merchant .logo{max-height:48px;max-width:160px}',
  });
}

export function submittedPage(): string {
  return page(
    'Thank you',
    html`<h1>Thank you</h1><div class="card" role="status"><p>Your answers were sent. A licensed clinician will review them; you can come back to this link to see the outcome.</p></div>`,
  );
}

export function inReviewPage(): string {
  return page(
    'In review',
    html`<h1>Your answers are being reviewed</h1><div class="card" role="status"><p>A licensed clinician is reviewing your answers. Come back to this link later to see the outcome.</p></div>`,
  );
}

export function declinedPage(): string {
  return page(
    'No problem',
    html`<h1>No problem</h1><div class="card"><p>You declined the questions. You can come back through the same link if you change your mind.</p></div>`,
  );
}

/** Issue 10 item 1 — why a request was not approved, in plain words (no health information). */
export const REJECTION_WORDS: Record<RejectionReason, string> = {
  no_qualifying_condition: 'None of the conditions you told us about is one this letter can cover.',
  insufficient_information: 'The clinician did not have enough information to issue a letter.',
  items_not_covered: 'The items in your order are not ones a letter can cover.',
  state_not_serviceable: 'We cannot yet issue letters for patients in your state.',
  age_ineligible: 'You must be 18 or older to get a letter.',
  clinician_declined: 'The clinician decided a letter is not appropriate for this purchase.',
};

export function rejectedPage(reason: RejectionReason | null, failureUrl: string | null): string {
  return page(
    'Not approved',
    html`<h1>Your request was not approved</h1><div class="card" role="status">
<p>${reason ? REJECTION_WORDS[reason] : 'We could not issue a Letter of Medical Necessity for this purchase.'}</p>
<p>You can still complete your purchase without HSA/FSA funds.</p>
${failureUrl ? html`<p><a href="${failureUrl}">Back to the store</a></p>` : ''}
</div>`,
  );
}

export interface PatientCheckView {
  sessionId: string;
  token: string;
  error?: string;
  /** A passed check still valid: the letter is one click away. */
  open?: boolean;
}

/**
 * Issue 10 item 1 — what an approved link shows: the outcome, and the patient check before the
 * letter. No name, no condition, no item: whoever holds the merchant's link learns only the outcome.
 */
export function approvedPage(view: PatientCheckView): string {
  return page(
    view.error ? 'Error: approved' : 'Approved',
    html`<h1>Approved</h1>
<div class="card" role="status"><p>Your purchase qualifies for HSA/FSA funds. Your Letter of Medical Necessity is ready.</p></div>
${view.open ? html`<p class="notice"><a href="/q/${view.sessionId}/letter">Open your letter</a></p>` : ''}
${patientCheckForm(view, 'To protect your health information, enter your date of birth to open the letter.')}`,
  );
}

/** Issue 11 item 5 — the clinician's question is health information too: the same check first. */
export function questionCheckPage(view: PatientCheckView): string {
  return page(
    view.error ? 'Error: your clinician has a question' : 'Your clinician has a question',
    html`<h1>Your clinician has a question</h1>
<div class="card" role="status"><p>The clinician reviewing your answers needs one more detail before deciding.</p></div>
${patientCheckForm(view, 'To protect your health information, enter your date of birth to see the question.')}`,
  );
}

function patientCheckForm(view: PatientCheckView, why: string): SafeHtml {
  return html`<form method="post" action="/q/${view.sessionId}/patient-check" novalidate class="card">
<h2>Confirm it is you</h2>
<p>${why}</p>
<input type="hidden" name="t" value="${view.token}">
<label for="date_of_birth">Date of birth</label>
<p class="hint" id="date_of_birth-hint">Year-month-day, for example 1980-04-23.</p>
${view.error ? html`<p class="error" id="date_of_birth-error" role="alert">${view.error}</p>` : ''}
<input type="text" id="date_of_birth" name="date_of_birth" inputmode="numeric" autocomplete="bday" aria-describedby="date_of_birth-hint${view.error ? ' date_of_birth-error' : ''}">
<div class="actions"><button type="submit">Continue</button></div>
</form>`;
}

export function lockedPage(until: number): string {
  const at = new Date(until).toISOString().slice(11, 16);
  return page(
    'Too many tries',
    html`<h1>Too many tries</h1><div class="card" role="alert"><p>The date of birth did not match too many times. To protect your information the letter is locked until ${at} UTC. Please try again after that.</p></div>`,
  );
}

export function letterClosedPage(): string {
  return page(
    'Confirm it is you',
    html`<h1>Confirm it is you</h1><div class="card" role="status"><p>Open the link you were given (in the store or in your email) and enter your date of birth to see your letter.</p></div>`,
  );
}

/** Issue 10 item 6 — the privacy notice, from a file the operator can replace: paragraphs of plain text. */
export function privacyPage(text: string): string {
  const [title, ...paragraphs] = text.trim().split(/\n\s*\n/);
  return page(
    'Privacy notice',
    html`<h1>${title?.trim() || 'Privacy notice'}</h1><div class="card">${paragraphs.map((p) => html`<p>${p.trim()}</p>`)}</div>`,
  );
}
