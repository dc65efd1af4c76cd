import { html, type SafeHtml, when } from '../html/html.js';
import { page } from '../html/layout.js';
import { REJECTION_REASONS } from '../sessions/sessions.vocabulary.js';
import type { SurveyDefinition } from '../survey/definition.js';
import { US_STATES } from '../survey/definition.js';
import { ageOn } from '../survey/prescreen.js';
import type { ClinicianRow } from './clinicians.repository.js';
import type { DecisionErrors } from './console.forms.js';
import type { ReviewView } from './review.service.js';

export function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

const money = (cents: number | null) => (cents === null ? '—' : `$${(cents / 100).toFixed(2)}`);

export function consoleBar(clinician: ClinicianRow, csrf: string): SafeHtml {
  return html`<header class="bar"><nav aria-label="Console"><a href="/console/queue">Review queue</a>${clinician.sandbox !== 'none' ? html` · <a href="/console/queue?queue=sandbox">Sandbox queue</a>` : ''} · <a href="/console/decisions">My decisions</a>${clinician.role === 'admin' ? html` · <a href="/console/admin/clinicians">Accounts</a> · <a href="/console/admin/audit">Audit log</a>` : ''} · ${clinician.name}, ${clinician.credentials}</nav>
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
  /** Issue 11: the claim notice, questions and answers, and the "Ask the shopper" form. */
  extras?: SafeHtml;
}

/** SPEC §2.3 — answers, items, and the two decisions. */
export function reviewPage(options: ReviewPageOptions): string {
  const { view, definition, errors = {} } = options;
  const { session, answers, items } = view;
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
<form method="post" action="/console/sessions/${session.id}/approve">
<input type="hidden" name="_csrf" value="${options.csrf}">
<fieldset><legend>Covered items</legend>
${err('sku')}
${items.length === 0 ? html`<p>This order has no items.</p>` : ''}
${items.map(
  (item, i) =>
    html`<div class="check"><label for="item-${i}"><input type="checkbox" id="item-${i}" name="sku" value="${item.sku}" checked> ${item.name ?? item.sku} (${item.sku}) × ${item.quantity} · ${money(item.price)}</label></div>`,
)}
</fieldset>
<label for="validity_days">Validity (days)</label>
${err('validity_days')}
<input type="number" id="validity_days" name="validity_days" min="1" max="365" value="365" required>
<label for="approve_note">Approval note (optional)</label>
${err('note')}
<textarea id="approve_note" name="note"></textarea>
<div class="actions"><button type="submit">Approve</button></div>
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
  return page('Review', body, { header: consoleBar(options.clinician, options.csrf) });
}

export function alreadyReviewedPage(clinician: ClinicianRow, csrf: string, status: string): string {
  return page(
    'Already reviewed',
    html`<h1>Already reviewed</h1><div class="card" role="status"><p>This session was already reviewed (${status}).</p>
<p><a href="/console/queue">Back to the queue</a></p></div>`,
    { header: consoleBar(clinician, csrf) },
  );
}
