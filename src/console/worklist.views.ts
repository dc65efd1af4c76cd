import { html, type SafeHtml, when } from '../html/html.js';
import { page } from '../html/layout.js';
import { iso } from '../lib/clock.js';
import { US_STATES } from '../survey/definition.js';
import type { ClinicianRow } from './clinicians.repository.js';
import { clinicianStates } from './clinicians.repository.js';
import { consoleBar, formatAge } from './console.views.js';
import { QUESTION_MAX, type QuestionView, type QueueView, type ReviewService } from './review.service.js';

/** Issue 11 items 4–6 — the work list (live or sandbox), "My decisions", and "Ask the shopper". */

export const AGE_FILTERS = {
  '': 'Any age',
  '1h': 'Over 1 hour',
  '24h': 'Over 24 hours',
  '72h': 'Over 3 days',
} as const;
export type AgeFilter = keyof typeof AGE_FILTERS;

export interface QueueQuery {
  queue: 'live' | 'sandbox';
  state: string;
  age: AgeFilter;
  q: string;
}

const queueHref = (query: QueueQuery, page: number) => {
  const params = new URLSearchParams();
  if (query.queue === 'sandbox') params.set('queue', 'sandbox');
  if (query.state) params.set('state', query.state);
  if (query.age) params.set('age', query.age);
  if (query.q) params.set('q', query.q);
  if (page > 1) params.set('page', String(page));
  const text = params.toString();
  return `/console/queue${text ? `?${text}` : ''}`;
};

export function workListPage(options: {
  clinician: ClinicianRow;
  csrf: string;
  view: QueueView;
  query: QueueQuery;
  notice?: string;
}): string {
  const { view, query, clinician } = options;
  const sandbox = view.queue === 'sandbox';
  const title = sandbox ? 'Sandbox queue' : 'Review queue';
  const rows = view.entries.map(
    (e) => html`<tr>
<td><a href="/console/sessions/${e.session.id}">${e.session.customer_name ?? e.session.email ?? e.session.id}</a>${e.answered ? html` <strong>· shopper answered</strong>` : ''}</td>
<td>${e.session.shopper_state}</td>
<td>${formatAge(e.ageMs)}</td>
<td>${e.reviewedBy ? html`<span class="claim">being reviewed by ${e.reviewedBy}</span>` : '—'}</td>
</tr>`,
  );
  const states = clinicianStates(clinician);
  return page(
    title,
    html`<h1>${title}</h1>
${sandbox ? html`<p class="errors" role="note"><strong>Sandbox:</strong> test-mode sessions only. Nothing decided here is a real letter, and no live session is shown.</p>` : ''}
${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ''}
<p role="status" aria-label="Queue summary"><strong>${view.total}</strong> waiting${view.oldestAgeMs !== null ? html` · oldest waiting ${formatAge(view.oldestAgeMs)}` : ''}</p>
<form method="get" action="/console/queue" class="card" aria-label="Filter the queue">
${sandbox ? html`<input type="hidden" name="queue" value="sandbox">` : ''}
<label for="q">Search by session id or shopper email</label>
<input type="search" id="q" name="q" value="${query.q}">
<label for="state">State</label>
<select id="state" name="state"><option value="">All my states</option>${states.map((s) => html`<option value="${s}" ${when(query.state === s, 'selected')}>${US_STATES[s] ?? s}</option>`)}</select>
<label for="age">Waiting</label>
<select id="age" name="age">${Object.entries(AGE_FILTERS).map(([v, label]) => html`<option value="${v}" ${when(query.age === v, 'selected')}>${label}</option>`)}</select>
<div class="actions"><button type="submit">Filter</button></div>
</form>
${
  view.entries.length === 0
    ? html`<p class="card">Nothing to review.</p>`
    : html`<table><thead><tr><th scope="col">Shopper</th><th scope="col">State</th><th scope="col">Waiting</th><th scope="col">Being reviewed</th></tr></thead><tbody>${rows}</tbody></table>`
}
<nav aria-label="Pages"><p>Page ${view.page} of ${view.pages}${view.page > 1 ? html` · <a href="${queueHref(query, view.page - 1)}">Previous page</a>` : ''}${view.page < view.pages ? html` · <a href="${queueHref(query, view.page + 1)}">Next page</a>` : ''}</p></nav>`,
    { header: consoleBar(clinician, options.csrf) },
  );
}

export function decisionsPage(options: {
  clinician: ClinicianRow;
  csrf: string;
  result: Awaited<ReturnType<ReviewService['decisions']>>;
}): string {
  const { result } = options;
  const rows = result.rows.map(
    ({ review, session }) => html`<tr>
<td><a href="/console/decisions/${review.session_id}">${session?.customer_name ?? session?.email ?? review.session_id}</a></td>
<td>${review.decision}</td><td>${iso(Number(review.created_at))}</td></tr>`,
  );
  return page(
    'My decisions',
    html`<h1>My decisions</h1>
<p>${result.total} sessions decided by you, newest first.</p>
${result.rows.length === 0 ? html`<p class="card">No decisions yet.</p>` : html`<table><thead><tr><th scope="col">Shopper</th><th scope="col">Decision</th><th scope="col">When</th></tr></thead><tbody>${rows}</tbody></table>`}
<nav aria-label="Pages"><p>Page ${result.page} of ${result.pages}${result.page > 1 ? html` · <a href="/console/decisions?page=${result.page - 1}">Previous page</a>` : ''}${result.page < result.pages ? html` · <a href="/console/decisions?page=${result.page + 1}">Next page</a>` : ''}</p></nav>`,
    { header: consoleBar(options.clinician, options.csrf) },
  );
}

export function decidedPage(options: {
  clinician: ClinicianRow;
  csrf: string;
  view: Awaited<ReturnType<ReviewService['decided']>>;
  conditionLabel: (id: string) => string;
}): string {
  const { view } = options;
  return page(
    'Decision',
    html`<h1>Decision</h1>
<section class="card"><dl>
<dt>Session</dt><dd>${view.session.id}</dd>
<dt>Shopper</dt><dd>${view.session.customer_name ?? '—'} (${view.session.email ?? '—'})</dd>
<dt>Decision</dt><dd>${view.review.decision}${view.session.rejection_reason ? ` (${view.session.rejection_reason})` : ''}</dd>
<dt>Decided</dt><dd>${iso(Number(view.review.created_at))}</dd>
<dt>Note</dt><dd>${view.note ?? '—'}</dd>
${view.answers ? html`<dt>Conditions</dt><dd>${view.answers.conditions.map(options.conditionLabel).join(', ')}</dd><dt>Details</dt><dd>${view.answers.details || '—'}</dd>` : ''}
</dl></section>
${questionsBlock(view.questions)}
<p><a href="/console/decisions">Back to my decisions</a></p>`,
    { header: consoleBar(options.clinician, options.csrf) },
  );
}

/** The questions asked and the shopper's answers, on the review page. */
export function questionsBlock(questions: readonly QuestionView[]): SafeHtml | string {
  if (questions.length === 0) return '';
  return html`<section class="card" aria-labelledby="qa-title"><h2 id="qa-title">Questions to the shopper</h2>
<dl>${questions.map(
    (q) => html`<dt>Question (${iso(q.askedAt)})</dt><dd>${q.question}</dd>
<dt>Answer</dt><dd>${q.answer ?? 'Not answered yet.'}</dd>`,
  )}</dl></section>`;
}

/** Issue 11 items 5 and 6 — what the review page adds: the claim notice, Q&A and "Ask the shopper". */
export function reviewExtras(options: {
  sessionId: string;
  csrf: string;
  questions: readonly QuestionView[];
  reviewedBy: string | null;
  askError?: string;
}): SafeHtml {
  return html`${options.reviewedBy ? html`<p class="errors" role="alert">Being reviewed by ${options.reviewedBy} (opened in the last 15 minutes).</p>` : ''}
${questionsBlock(options.questions)}
<section class="card" aria-labelledby="ask-title">
<h2 id="ask-title">Ask the shopper</h2>
<form method="post" action="/console/sessions/${options.sessionId}/ask">
<input type="hidden" name="_csrf" value="${options.csrf}">
<label for="question">Question for the shopper</label>
${options.askError ? html`<p class="error">${options.askError}</p>` : ''}
<textarea id="question" name="question" maxlength="${String(QUESTION_MAX)}" required></textarea>
<p>The session leaves the queue until the shopper answers on their link.</p>
<div class="actions"><button type="submit" class="secondary">Ask the shopper</button></div>
</form>
</section>`;
}

export function waitingPage(
  clinician: ClinicianRow,
  csrf: string,
  questions: readonly QuestionView[],
): string {
  return page(
    'Waiting for the shopper',
    html`<h1>Waiting for the shopper</h1>
<p class="card" role="status">This session waits for the shopper’s answer; it returns to the top of the queue when they answer.</p>
${questionsBlock(questions)}
<p><a href="/console/queue">Back to the queue</a></p>`,
    { header: consoleBar(clinician, csrf) },
  );
}
