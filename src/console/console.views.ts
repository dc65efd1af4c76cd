import { html, type SafeHtml, when } from '../html/html.js';
import { page } from '../html/layout.js';
import { CERTIFICATION_STATEMENT, noLicenseMessage } from '../lmn/lmn.service.js';
import { type LetterContent, letterArticle, letterCss } from '../lmn/lmn.views.js';
import { REJECTION_REASONS } from '../sessions/sessions.vocabulary.js';
import type { SurveyDefinition } from '../survey/definition.js';
import { US_STATES } from '../survey/definition.js';
import { ageOn } from '../survey/prescreen.js';
import { type ClinicianRow, clinicianLicenses, clinicianStates } from './clinicians.repository.js';
import type { ApproveInput, DecisionErrors, ProfileErrors, ProfileInput } from './console.forms.js';
import type { LetterPreview, ReviewView } from './review.service.js';

export function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

const money = (cents: number | null) => (cents === null ? '—' : `$${(cents / 100).toFixed(2)}`);

export function consoleBar(clinician: ClinicianRow, csrf: string): SafeHtml {
  return html`<header class="bar"><nav aria-label="Console"><a href="/console/queue">Review queue</a>${clinician.sandbox !== 'none' ? html` · <a href="/console/queue?queue=sandbox">Sandbox queue</a>` : ''} · <a href="/console/decisions">My decisions</a> · <a href="/console/profile">Profile</a>${clinician.role === 'admin' ? html` · <a href="/console/admin/clinicians">Accounts</a> · <a href="/console/admin/audit">Audit log</a>` : ''} · ${clinician.name}, ${clinician.credentials}</nav>
<form method="post" action="/console/sign-out"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" class="link">Sign out</button></form></header>`;
}

export function signInPage(options: {
  email: string;
  csrf: string;
  error?: string;
  notice?: string;
}): string {
  return page(
    'Clinician sign-in',
    html`<h1>Clinician sign-in</h1>
${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ''}
${options.error ? html`<p class="errors" role="alert">${options.error}</p>` : ''}
<form method="post" action="/console/sign-in" class="card">
<input type="hidden" name="_csrf" value="${options.csrf}">
<label for="email">Email</label>
<input type="email" id="email" name="email" autocomplete="username" required value="${options.email}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<div class="actions"><button type="submit">Sign in</button></div>
</form>`,
  );
}

export interface ReviewPageOptions {
  clinician: ClinicianRow;
  csrf: string;
  view: Extract<ReviewView, { state: 'open' }>;
  definition: SurveyDefinition;
  now: number;
  errors?: DecisionErrors;
  /** What the clinician posted (a preview or a form with errors): the form shows it again. */
  input?: ApproveInput;
  /** The letter this decision would issue, and the digest a confirm must carry. */
  preview?: { content: LetterContent; digest: string };
  /** The clinician's licence number for the session's state; without one there is no approval. */
  license: string | undefined;
  /** Issue 11: the claim notice, questions and answers, and the "Ask the shopper" form. */
  extras?: SafeHtml;
}

/** SPEC §2.3 — answers, items, and the two decisions. */
export function reviewPage(options: ReviewPageOptions): string {
  const { view, definition, errors = {}, input = {}, preview } = options;
  const { session, answers, items } = view;
  const answered = new Set(answers?.conditions ?? []);
  const chosenDiagnoses = new Set(input.diagnosis ?? []);
  const chosenSkus = new Set(input.sku ?? []);
  const labels = new Map(definition.conditions.map((c) => [c.id, c.label]));
  const err = (key: keyof DecisionErrors) => (errors[key] ? html`<p class="error">${errors[key]}</p>` : '');
  const body = html`<h1>Review</h1>
${Object.keys(errors).length > 0 ? html`<p class="errors" role="alert">Please correct the decision below.</p>` : ''}
<section class="card" aria-labelledby="answers-title">
<h2 id="answers-title">Answers</h2>
<dl>
<dt>Session</dt><dd>${session.id}</dd>
<dt>Name</dt><dd>${session.customer_name ?? '—'}</dd>
<dt>Email</dt><dd>${session.email ?? '—'}</dd>
<dt>State</dt><dd>${US_STATES[session.shopper_state ?? ''] ?? session.shopper_state}</dd>
${
  answers
    ? html`<dt>Date of birth</dt><dd>${answers.date_of_birth} (age ${ageOn(answers.date_of_birth, options.now)})</dd>
<dt>Conditions</dt><dd>${answers.conditions.map((id) => labels.get(id) ?? id).join('\n')}</dd>
<dt>Details</dt><dd>${answers.details || '—'}</dd>`
    : html`<dt>Survey</dt><dd>No survey answers (submitted by a test helper).</dd>`
}
</dl>
</section>
${options.extras ?? ''}
<section class="card" aria-labelledby="approve-title">
<h2 id="approve-title">Approve</h2>
${
  options.license
    ? ''
    : html`<p class="errors" role="alert">${noLicenseMessage(session.shopper_state ?? '')} <a href="/console/profile">Profile</a></p>`
}
<form method="post" action="/console/sessions/${session.id}/approve">
<input type="hidden" name="_csrf" value="${options.csrf}">
<fieldset ${errors.diagnosis ? html`aria-describedby="diagnosis-error"` : ''}><legend>Diagnoses</legend>
<p class="hint">Choose the diagnoses the covered items treat. The shopper's answers are marked.</p>
${errors.diagnosis ? html`<p class="error" id="diagnosis-error">${errors.diagnosis}</p>` : ''}
${definition.conditions.flatMap((condition) =>
  condition.icd10.map(
    (d) =>
      html`<div class="check"><label for="diagnosis-${d.code}"><input type="checkbox" id="diagnosis-${d.code}" name="diagnosis" value="${d.code}" ${when(chosenDiagnoses.has(d.code), 'checked')}> ${d.name} (${d.code})${answered.has(condition.id) ? ' — answered by the shopper' : ''}</label></div>`,
  ),
)}
</fieldset>
<fieldset><legend>Covered items</legend>
<p class="hint">Tick the items the letter covers; edit each one's recommended use and duration.</p>
${err('sku')}${err('use')}${err('duration')}
${items.length === 0 ? html`<p>This order has no items.</p>` : ''}
${items.map(
  (item, i) =>
    html`<div class="item"><div class="check"><label for="item-${i}"><input type="checkbox" id="item-${i}" name="sku" value="${item.sku}" ${when(chosenSkus.has(item.sku), 'checked')}> ${item.name ?? item.sku} (${item.sku}) × ${item.quantity} · ${money(item.price)}</label></div>
<label for="use-${i}">Recommended use of ${item.name ?? item.sku}</label>
<input type="text" id="use-${i}" name="use" maxlength="200" value="${input.use?.[i] ?? definition.item_defaults.use}">
<label for="duration-${i}">Duration for ${item.name ?? item.sku}</label>
<input type="text" id="duration-${i}" name="duration" maxlength="200" value="${input.duration?.[i] ?? definition.item_defaults.duration}"></div>`,
)}
</fieldset>
<label for="validity_days">Validity (days)</label>
${err('validity_days')}
<input type="number" id="validity_days" name="validity_days" min="1" max="365" value="${input.validity_days ?? '365'}" required>
<label for="approve_note">Approval note (optional)</label>
${err('note')}
<textarea id="approve_note" name="note">${input.note ?? ''}</textarea>
${
  preview
    ? html`<input type="hidden" name="previewed" value="${preview.digest}">
<section aria-labelledby="preview-title"><h3 id="preview-title">Preview of the letter</h3>
<p class="hint">This is the letter the shopper will get. Confirm to sign and issue it.</p>
${letterArticle(preview.content)}</section>
<div class="actions"><button type="submit" name="action" value="confirm">Confirm and sign</button>
<button type="submit" name="action" value="preview" class="secondary">Preview letter</button></div>`
    : html`<div class="actions"><button type="submit" name="action" value="preview">Preview letter</button></div>`
}
</form>
</section>
<section class="card" aria-labelledby="reject-title">
<h2 id="reject-title">Reject</h2>
<form method="post" action="/console/sessions/${session.id}/reject">
<input type="hidden" name="_csrf" value="${options.csrf}">
<label for="reason">Reason</label>
${err('reason')}
<select id="reason" name="reason">
${REJECTION_REASONS.map((r) => html`<option value="${r}" ${when(r === 'clinician_declined', 'selected')}>${r.replaceAll('_', ' ')}</option>`)}
</select>
<label for="reject_note">Rejection note (optional)</label>
${err('note')}
<textarea id="reject_note" name="note"></textarea>
<div class="actions"><button type="submit" class="secondary">Reject</button></div>
</form>
</section>`;
  return page('Review', body, { header: consoleBar(options.clinician, options.csrf), css: letterCss });
}

export function alreadyReviewedPage(clinician: ClinicianRow, csrf: string, status: string): string {
  return page(
    'Already reviewed',
    html`<h1>Already reviewed</h1><div class="card" role="status"><p>This session was already reviewed (${status}).</p>
<p><a href="/console/queue">Back to the queue</a></p></div>`,
    { header: consoleBar(clinician, csrf) },
  );
}

/** The letter a previewed decision would issue, as the letter views show it (issue 11 item 5). */
export function previewContent(preview: LetterPreview, clinician: ClinicianRow): LetterContent {
  const state = preview.session.shopper_state ?? '';
  return {
    test: Number(preview.session.livemode) === 0,
    patientName: preview.session.customer_name ?? preview.session.email ?? '',
    dateOfBirth: preview.dateOfBirth,
    state,
    issuedAt: preview.issuedAt,
    expiresAt: preview.expiresAt,
    diagnoses: preview.diagnoses,
    items: preview.items,
    statement: CERTIFICATION_STATEMENT,
    clinician: {
      name: clinician.name,
      credentials: clinician.credentials,
      npi: clinician.npi,
      license: clinicianLicenses(clinician)[state] ?? null,
      address: clinician.practice_address,
    },
    verification: null,
  };
}

export interface ProfilePageOptions {
  clinician: ClinicianRow;
  csrf: string;
  errors?: ProfileErrors;
  input?: ProfileInput;
  notice?: string;
}

/** Issue 10 item 3 — what letters print about the clinician, edited by the clinician. */
export function profilePage(options: ProfilePageOptions): string {
  const { clinician, errors = {}, input } = options;
  const licenses = clinicianLicenses(clinician);
  const states = clinicianStates(clinician);
  const numberOf = (state: string, i: number) => input?.license_number?.[i] ?? licenses[state] ?? '';
  return page(
    'Profile',
    html`<h1>Profile</h1>
${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ''}
${Object.keys(errors).length > 0 ? html`<p class="errors" role="alert">Please correct the profile below.</p>` : ''}
<form method="post" action="/console/profile" class="card">
<input type="hidden" name="_csrf" value="${options.csrf}">
<label for="practice_address">Practice address</label>
<p class="hint">Printed on every letter you sign.</p>
${errors.practice_address ? html`<p class="error">${errors.practice_address}</p>` : ''}
<textarea id="practice_address" name="practice_address">${input?.practice_address ?? clinician.practice_address ?? ''}</textarea>
<fieldset><legend>Licence numbers</legend>
<p class="hint">One per state you are licensed in. You can approve a patient only in a state with a licence number here.</p>
${errors.license_number ? html`<p class="error">${errors.license_number}</p>` : ''}
${states.map(
  (state, i) => html`<input type="hidden" name="license_state" value="${state}">
<label for="license-${state}">Licence number in ${US_STATES[state] ?? state}</label>
<input type="text" id="license-${state}" name="license_number" maxlength="40" value="${numberOf(state, i)}">`,
)}
</fieldset>
<div class="actions"><button type="submit">Save profile</button></div>
</form>`,
    { header: consoleBar(clinician, options.csrf) },
  );
}
