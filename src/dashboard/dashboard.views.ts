import type { ApiKeyRow } from '../channels/channels.repository.js';
import { html, raw, type SafeHtml, when } from '../html/html.js';
import { page } from '../html/layout.js';
import { iso } from '../lib/clock.js';
import type { SessionActivity } from '../sessions/session-activity.service.js';
import type { Pagination, QualificationSession } from '../sessions/sessions.schemas.js';
import { SESSION_STATUSES } from '../sessions/sessions.vocabulary.js';
import type { Stats, StatsFigures } from '../stats/stats.service.js';
import { DEFAULT_EVENTS, EVENT_TYPE_NAMES, SUBSCRIBABLE_EVENTS } from '../webhooks/event-types.js';
import type { PresentedDeliveryWithAttempts, PresentedEndpoint } from '../webhooks/webhooks.presenter.js';
import { DELIVERY_STATUSES, WEBHOOK_MODES } from '../webhooks/webhooks.vocabulary.js';
import { allows, type DashboardRole } from './dashboard.vocabulary.js';
import type { Membership } from './dashboard-auth.service.js';

/**
 * Issue 12 — the merchant dashboard's pages, server-rendered with the `html` tag (every value
 * escaped). Built only from the merchant API's presenters: no health information can appear.
 */

export type Tab = 'overview' | 'sessions' | 'webhooks' | 'keys' | 'users';

export interface Frame {
  email: string;
  csrf: string;
  memberships: Membership[];
  current: Membership;
}

export const base = (frame: Frame) => `/dashboard/c/${encodeURIComponent(frame.current.channel.id)}`;

const modeName = (livemode: number) => (livemode === 1 ? 'Live' : 'Test');

function csrfField(csrf: string): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${csrf}">`;
}

function header(frame: Frame, tab: Tab): SafeHtml {
  const root = base(frame);
  const tabs: Array<[Tab, string, string]> = [
    ['overview', 'Overview', root],
    ['sessions', 'Sessions', `${root}/sessions`],
    ['webhooks', 'Webhooks', `${root}/webhooks`],
    ['keys', 'API keys', `${root}/keys`],
  ];
  if (allows(frame.current.role, 'manage_users')) tabs.push(['users', 'Users', `${root}/users`]);
  return html`<header class="bar">
<span><strong>Qualify</strong> · ${frame.current.channel.name} <span class="badge">${modeName(frame.current.channel.livemode)}</span></span>
<span>${frame.email} (${frame.current.role}) <a href="/dashboard/account">Account</a>
<form class="inline" method="post" action="/dashboard/sign-out">${csrfField(frame.csrf)}<button class="link" type="submit">Sign out</button></form></span>
</header>
<nav class="tabs" aria-label="Dashboard">
${tabs.map(([key, label, href]) => html`<a href="${href}"${key === tab ? html` aria-current="page"` : ''}>${label}</a>`)}
</nav>
${
  frame.memberships.length > 1
    ? html`<nav class="tabs" aria-label="Sales channels">Channels:
${frame.memberships.map(
  (m) =>
    html`<a href="/dashboard/c/${m.channel.id}"${m.channel.id === frame.current.channel.id ? html` aria-current="page"` : ''}>${m.channel.name} (${modeName(m.channel.livemode)})</a>`,
)}</nav>`
    : ''
}`;
}

function dashboardPage(
  frame: Frame,
  tab: Tab,
  title: string,
  body: SafeHtml,
  scripts: string[] = [],
): string {
  return page(title, html`<h1>${title}</h1>${body}`, { header: header(frame, tab), wide: true, scripts });
}

function notice(text: string | undefined): SafeHtml {
  return text ? html`<p class="notice" role="status">${text}</p>` : html``;
}

function errorBox(text: string | undefined): SafeHtml {
  return text ? html`<div class="errors" role="alert"><p>${text}</p></div>` : html``;
}

const when_ = (value: string | null) => (value ? value.replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC') : '—');

function pager(pagination: Pagination, link: (page: number) => string): SafeHtml {
  const { current_page: current, last_page: last, total_count: total } = pagination;
  return html`<nav aria-label="Pages" class="actions">
<span>Page ${current} of ${last} (${total} in all)</span>
${current > 1 ? html`<a href="${link(current - 1)}">Previous page</a>` : ''}
${current < last ? html`<a href="${link(current + 1)}">Next page</a>` : ''}
</nav>`;
}

// Sign-in, set password.

export function signInPage(options: {
  email: string;
  csrf: string;
  error?: string;
  notice?: string;
}): string {
  return page(
    'Merchant dashboard',
    html`<h1>Merchant dashboard</h1>
${notice(options.notice)}${errorBox(options.error)}
<form method="post" action="/dashboard/sign-in" class="card">
${csrfField(options.csrf)}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${options.email}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<div class="actions"><button type="submit">Sign in</button></div>
</form>`,
  );
}

export function setPasswordPage(options: { email: string; token: string; error?: string }): string {
  return page(
    'Set your password',
    html`<h1>Set your password</h1>
${errorBox(options.error)}
<form method="post" action="/dashboard/set-password" class="card">
<input type="hidden" name="token" value="${options.token}">
<p>For <strong>${options.email}</strong>.</p>
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" minlength="12" required aria-describedby="password-hint">
<p class="hint" id="password-hint">At least 12 characters.</p>
<div class="actions"><button type="submit">Set password</button></div>
</form>`,
  );
}

// Two-step sign-in (issue 12 item 1): the code step, enrolment, recovery codes, the account page.

const cancelForm = (csrf: string) =>
  html`<form method="post" action="/dashboard/sign-out">${csrfField(csrf)}<button type="submit" class="secondary">Cancel and sign out</button></form>`;

export function codePage(options: { csrf: string; error?: string }): string {
  return page(
    'Authentication code',
    html`<h1>Authentication code</h1>
${errorBox(options.error)}
<form method="post" action="/dashboard/mfa" class="card">
${csrfField(options.csrf)}
<p>Enter the 6-digit code your authenticator app shows for Qualify, or one of your recovery codes.</p>
<label for="code">Authentication code</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus>
<div class="actions"><button type="submit">Verify</button></div>
</form>
${cancelForm(options.csrf)}`,
  );
}

/**
 * The QR code (inline SVG) and the key as text, then the first code. `signingIn`: the enrolment
 * an owner must make before the sign-in completes; otherwise one chosen from the account page.
 */
export function enrolPage(options: {
  csrf: string;
  secret: string;
  qrSvg: string;
  signingIn: boolean;
  error?: string;
}): string {
  const grouped = options.secret.replace(/(.{4})/g, '$1 ').trim();
  const action = options.signingIn ? '/dashboard/mfa' : '/dashboard/account/two-step';
  return page(
    'Set up two-step sign-in',
    html`<h1>Set up two-step sign-in</h1>
${errorBox(options.error)}
<div class="card">
<p>${
      options.signingIn
        ? 'Owners of a sales channel sign in to the dashboard with a code from an authenticator app as well as their password.'
        : 'After this, every sign-in to the dashboard needs a code from your authenticator app as well as your password.'
    } Scan this QR code with the app (Google Authenticator, 1Password, Authy, …):</p>
<div class="qr" aria-label="QR code for your authenticator app" role="img">${raw(options.qrSvg)}</div>
<p>Or type this key into the app:</p>
<p><code id="totp-secret" aria-label="Setup key">${grouped}</code></p>
</div>
<form method="post" action="${action}" class="card">
${csrfField(options.csrf)}
<label for="code">Authentication code</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
<div class="actions"><button type="submit">Verify and continue</button></div>
</form>
${options.signingIn ? cancelForm(options.csrf) : html`<p><a href="/dashboard/account">Back to your account</a></p>`}`,
  );
}

export function recoveryCodesPage(codes: readonly string[]): string {
  return page(
    'Recovery codes',
    html`<h1>Recovery codes</h1>
<div class="card" role="status">
<p>Two-step sign-in is set up. Keep these recovery codes somewhere safe: each one signs you in
once if you lose your phone. They are shown only this once.</p>
<ul aria-label="Recovery codes">${codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
<p><a href="/dashboard">Continue to the dashboard</a></p>
</div>`,
  );
}

export function accountPage(options: {
  email: string;
  csrf: string;
  error?: string;
  notice?: string;
  enrolled: boolean;
  required: boolean;
  recoveryCodesLeft: number;
}): string {
  return page(
    'Your account',
    html`<h1>Your account</h1>
${notice(options.notice)}${errorBox(options.error)}
<div class="card" aria-labelledby="two-step">
<p>Signed in as <strong>${options.email}</strong>.</p>
<h2 id="two-step">Two-step sign-in</h2>
${
  options.enrolled
    ? html`<p>On: each sign-in asks for a code from your authenticator app. ${options.recoveryCodesLeft} of your recovery codes are unused.</p>
${
  options.required
    ? html`<p>As an owner you cannot turn it off.</p>`
    : html`<form method="post" action="/dashboard/account/two-step/off" aria-labelledby="turn-off">
<h3 id="turn-off">Turn off two-step sign-in</h3>
${csrfField(options.csrf)}
<label for="off-code">Authentication code</label>
<input type="text" id="off-code" name="code" inputmode="numeric" autocomplete="one-time-code" required aria-describedby="off-hint">
<p class="hint" id="off-hint">A code from your app, or a recovery code.</p>
<div class="actions"><button type="submit" class="secondary">Turn off</button></div>
</form>`
}`
    : html`<p>Off: you sign in with your password only.${options.required ? ' As an owner you will be asked to set it up at your next sign-in.' : ''}</p>
<p><a href="/dashboard/account/two-step">Set up two-step sign-in</a></p>`
}
</div>
<p><a href="/dashboard">Back to the dashboard</a></p>
<form method="post" action="/dashboard/sign-out">${csrfField(options.csrf)}<button type="submit" class="secondary">Sign out</button></form>`,
  );
}

export function noChannelPage(email: string, csrf: string): string {
  return page(
    'No sales channel',
    html`<h1>No sales channel</h1><div class="card"><p>${email} does not belong to any sales channel yet. Ask an owner to add you.</p>
<form method="post" action="/dashboard/sign-out">${csrfField(csrf)}<button type="submit">Sign out</button></form></div>`,
  );
}

// Overview.

const pct = (rate: number | null) => (rate === null ? '—' : `${(rate * 100).toFixed(1)} %`);
const duration = (seconds: number | null) =>
  seconds === null
    ? '—'
    : seconds < 3600
      ? `≤ ${Math.round(seconds / 60)} min`
      : seconds < 86_400
        ? `≤ ${Math.round(seconds / 3600)} h`
        : `≤ ${Math.round(seconds / 86_400)} d`;
const millis = (ms: number | null) => (ms === null ? '—' : ms < 1000 ? `≤ ${ms} ms` : `≤ ${ms / 1000} s`);

function kpis(totals: StatsFigures): SafeHtml {
  const items: Array<[string, string]> = [
    ['Sessions', String(totals.sessions.total)],
    ['Approval rate', pct(totals.approval_rate)],
    ['Decision time p50', duration(totals.decision_seconds_p50)],
    ['Decision time p90', duration(totals.decision_seconds_p90)],
    ['Webhook success rate', pct(totals.webhooks.success_rate)],
    ['First attempt p50', millis(totals.webhooks.first_attempt_ms_p50)],
    ['First attempt p90', millis(totals.webhooks.first_attempt_ms_p90)],
  ];
  return html`<div class="kpis">${items.map(([label, value]) => html`<div>${label}<strong>${value}</strong></div>`)}</div>`;
}

export function overviewPage(frame: Frame, stats: Stats, days: number): string {
  const root = base(frame);
  const json = JSON.stringify(stats);
  return dashboardPage(
    frame,
    'overview',
    'Overview',
    html`<nav class="actions" aria-label="Period">
${[7, 30, 90].map((d) => html`<a href="${root}?days=${d}"${d === days ? html` aria-current="true"` : ''}>Last ${d} days</a>`)}
</nav>
<p>${stats.from} to ${stats.to} (UTC).</p>
${kpis(stats.totals)}
<div id="charts" data-chart-root></div>
<script type="application/json" id="stats-data">${rawJson(json)}</script>
<h2>Sessions per day by outcome</h2>
<div class="scroll"><table id="sessions-table">
<caption>Sessions created each day, by current status</caption>
<thead><tr><th scope="col">Day</th>${SESSION_STATUSES.map((s) => html`<th scope="col">${s}</th>`)}<th scope="col">Approval rate</th><th scope="col">Decision p50</th><th scope="col">Decision p90</th></tr></thead>
<tbody>${stats.days.map(
      (d) =>
        html`<tr><th scope="row">${d.date}</th>${SESSION_STATUSES.map((s) => html`<td>${d.sessions[s]}</td>`)}<td>${pct(d.approval_rate)}</td><td>${duration(d.decision_seconds_p50)}</td><td>${duration(d.decision_seconds_p90)}</td></tr>`,
    )}</tbody></table></div>
<h2>Webhooks per day</h2>
<div class="scroll"><table id="webhooks-table">
<caption>Deliveries created each day</caption>
<thead><tr><th scope="col">Day</th><th scope="col">Deliveries</th><th scope="col">Succeeded</th><th scope="col">Failed</th><th scope="col">Success rate</th><th scope="col">First attempt p50</th><th scope="col">First attempt p90</th></tr></thead>
<tbody>${stats.days.map(
      (d) =>
        html`<tr><th scope="row">${d.date}</th><td>${d.webhooks.deliveries}</td><td>${d.webhooks.succeeded}</td><td>${d.webhooks.failed}</td><td>${pct(d.webhooks.success_rate)}</td><td>${millis(d.webhooks.first_attempt_ms_p50)}</td><td>${millis(d.webhooks.first_attempt_ms_p90)}</td></tr>`,
    )}</tbody></table></div>`,
    ['/dashboard/assets/chart.js', '/dashboard/assets/dashboard.js'],
  );
}

/** JSON inside a `<script type="application/json">`: with `<` escaped it cannot close the element. */
function rawJson(json: string): SafeHtml {
  return raw(json.replace(/</g, '\\u003c'));
}

// Sessions.

export interface SessionFilters {
  status?: string;
  user_id?: string;
  search?: string;
  expires_at?: string;
}

export function filterQuery(filters: SessionFilters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filters, ...extra })) if (v) params.set(k, v);
  const text = params.toString();
  return text ? `?${text}` : '';
}

export function sessionsPage(
  frame: Frame,
  filters: SessionFilters,
  list: { qualification_sessions: QualificationSession[]; pagination: Pagination },
  other: Membership | undefined,
  error?: string,
): string {
  const root = base(frame);
  const live = frame.current.channel.livemode === 1;
  const modeSwitch = html`<nav class="actions" aria-label="Test or live data">
<span>Data:</span>
${
  live
    ? html`<strong aria-current="true">Live</strong> ${other ? html`<a href="/dashboard/c/${other.channel.id}/sessions">Test</a>` : html`<span>Test (no test channel)</span>`}`
    : html`${other ? html`<a href="/dashboard/c/${other.channel.id}/sessions">Live</a>` : html`<span>Live (no live channel)</span>`} <strong aria-current="true">Test</strong>`
}
</nav>`;
  return dashboardPage(
    frame,
    'sessions',
    'Sessions',
    html`${modeSwitch}${errorBox(error)}
<form method="get" action="${root}/sessions" class="card filters" role="search">
<div><label for="search">Search</label><input id="search" name="search" type="text" value="${filters.search ?? ''}" aria-describedby="search-hint"><p class="hint" id="search-hint">Email, name, user id, source or session id</p></div>
<div><label for="status">Status</label><select id="status" name="status"><option value="">Any</option>${SESSION_STATUSES.map(
      (s) => html`<option value="${s}"${when(filters.status === s, ' selected')}>${s}</option>`,
    )}</select></div>
<div><label for="user_id">User id</label><input id="user_id" name="user_id" type="text" value="${filters.user_id ?? ''}"></div>
<div><label for="expires_at">Expires on</label><input id="expires_at" name="expires_at" type="date" value="${filters.expires_at ?? ''}"></div>
<div><button type="submit">Filter</button></div>
</form>
<p><a href="${root}/sessions.csv${filterQuery(filters)}">Download CSV</a> (every session of this filter)</p>
<div class="scroll"><table>
<caption>Sessions, newest first</caption>
<thead><tr><th scope="col">Session</th><th scope="col">Created</th><th scope="col">Status</th><th scope="col">Email</th><th scope="col">Customer</th><th scope="col">User id</th></tr></thead>
<tbody>${list.qualification_sessions.map(
      (s) =>
        html`<tr><td><a href="${root}/sessions/${s.qualification_session_id}">${s.qualification_session_id}</a></td><td>${when_(s.created_at)}</td><td>${s.status}</td><td>${s.email ?? '—'}</td><td>${s.customer_name ?? '—'}</td><td>${s.user_id ?? '—'}</td></tr>`,
    )}</tbody></table></div>
${list.qualification_sessions.length === 0 ? html`<p>No sessions match.</p>` : ''}
${pager(list.pagination, (p) => `${root}/sessions${filterQuery(filters, { page: String(p) })}`)}`,
  );
}

function attemptsTable(delivery: PresentedDeliveryWithAttempts): SafeHtml {
  if (delivery.attempts.length === 0) return html`<p>No attempt yet.</p>`;
  return html`<div class="scroll"><table>
<caption>Attempts of ${delivery.webhook_delivery_id}</caption>
<thead><tr><th scope="col">#</th><th scope="col">Time</th><th scope="col">Status code</th><th scope="col">Latency</th><th scope="col">Error</th><th scope="col">Response</th></tr></thead>
<tbody>${delivery.attempts.map(
    (a) =>
      html`<tr><td>${a.attempt_number}</td><td>${when_(a.attempted_at)}</td><td>${a.status_code ?? '—'}</td><td>${a.duration_ms} ms</td><td>${a.error ?? '—'}</td><td><code>${(a.response_body ?? '').slice(0, 200)}</code></td></tr>`,
  )}</tbody></table></div>`;
}

function deliveryCard(frame: Frame, delivery: PresentedDeliveryWithAttempts, back: string): SafeHtml {
  const canRedeliver = allows(frame.current.role, 'redeliver');
  return html`<section class="card" aria-label="Delivery ${delivery.webhook_delivery_id}">
<h3>${delivery.event_type} → ${delivery.webhook_endpoint_id}</h3>
<p>Delivery <code>${delivery.webhook_delivery_id}</code>: <strong>${delivery.status}</strong>, ${delivery.attempt_count} attempt(s)${delivery.next_attempt_at ? html`, next at ${when_(delivery.next_attempt_at)}` : ''}.</p>
${attemptsTable(delivery)}
${
  canRedeliver
    ? html`<form method="post" action="${base(frame)}/deliveries/${delivery.webhook_delivery_id}/redeliver">${csrfField(frame.csrf)}<input type="hidden" name="back" value="${back}"><button type="submit" class="secondary" aria-label="Redeliver ${delivery.webhook_delivery_id}">Redeliver</button></form>`
    : ''
}
</section>`;
}

export function sessionPage(
  frame: Frame,
  session: QualificationSession,
  activity: SessionActivity,
  message?: { notice?: string; error?: string },
): string {
  const root = base(frame);
  const fields: Array<[string, string | number | null]> = [
    ['Session', session.qualification_session_id],
    ['Status', session.status],
    ['Created', when_(session.created_at)],
    ['Updated', when_(session.updated_at)],
    ['Email', session.email],
    ['Customer', session.customer_name],
    ['User id', session.user_id],
    ['Source', session.source],
    ['SKUs', session.skus_param],
    ['Eligible amount (cents)', session.eligible_amount],
    ['Decided', when_(session.lmn_reviewed_at)],
    ['Expires', when_(session.expires_at)],
    ['Rejection reason', session.rejection_reason],
    ['Mode', session.livemode ? 'live' : 'test'],
  ];
  const timeline = [
    ...activity.transitions.map((t) => ({
      at: t.created_at,
      text: `${t.from_status} → ${t.to_status} (by ${t.actor.replace('_', ' ')})`,
    })),
    ...activity.events.map((e) => ({ at: e.created_at, text: `event ${e.type} (${e.event_id})` })),
  ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return dashboardPage(
    frame,
    'sessions',
    `Session ${session.qualification_session_id}`,
    html`<p><a href="${root}/sessions">All sessions</a></p>
${notice(message?.notice)}${errorBox(message?.error)}
<section class="card" aria-labelledby="fields"><h2 id="fields">Fields</h2>
<dl>${fields.map(([k, v]) => html`<dt>${k}</dt><dd>${v === null || v === '' ? '—' : String(v)}</dd>`)}</dl>
<h3>Order items</h3>
<ul>${session.order_items.map((i) => html`<li>${i.sku}${i.name ? html` — ${i.name}` : ''} × ${i.quantity}${i.price !== null ? html`, ${i.price} cents` : ''}</li>`)}</ul>
</section>
<section class="card" aria-labelledby="timeline"><h2 id="timeline">Timeline</h2>
<ol><li>${when_(session.created_at)}: created</li>${timeline.map((t) => html`<li>${when_(t.at)}: ${t.text}</li>`)}</ol>
</section>
<section aria-labelledby="deliveries"><h2 id="deliveries">Webhook deliveries</h2>
${activity.deliveries.length === 0 ? html`<p>No webhook delivery for this session.</p>` : ''}
${activity.deliveries.map((d) => deliveryCard(frame, d, `${root}/sessions/${session.qualification_session_id}`))}
</section>`,
  );
}

// Webhooks.

function secretBox(label: string, secret: string): SafeHtml {
  return html`<div class="notice" role="status">
<label for="new-secret">${label}</label>
<input id="new-secret" type="text" readonly value="${secret}" data-copy-source>
<p class="hint">Shown once: store it now. Select the text to copy it if the button does not work.</p>
<button type="button" class="secondary" data-copy="new-secret" hidden>Copy</button>
<span data-copy-status role="status"></span>
</div>`;
}

export interface EndpointFormInput {
  url?: string;
  mode?: string;
  events?: string[];
}

export function webhooksPage(
  frame: Frame,
  endpoints: PresentedEndpoint[],
  options: {
    created?: { endpoint: PresentedEndpoint; secret: string };
    error?: string;
    input?: EndpointFormInput;
    notice?: string;
  } = {},
): string {
  const root = base(frame);
  const canManage = allows(frame.current.role, 'manage_webhooks');
  const input = options.input ?? {};
  const chosen = new Set(input.events ?? DEFAULT_EVENTS);
  return dashboardPage(
    frame,
    'webhooks',
    'Webhooks',
    html`${notice(options.notice)}
${options.created ? html`<p>Endpoint <a href="${root}/webhooks/${options.created.endpoint.webhook_endpoint_id}">${options.created.endpoint.url}</a> added.</p>${secretBox('Signing secret', options.created.secret)}` : ''}
<div class="scroll"><table>
<caption>Endpoints</caption>
<thead><tr><th scope="col">URL</th><th scope="col">Mode</th><th scope="col">Events</th><th scope="col">State</th></tr></thead>
<tbody>${endpoints.map(
      (e) =>
        html`<tr><td><a href="${root}/webhooks/${e.webhook_endpoint_id}">${e.url}</a></td><td>${e.mode}</td><td>${e.events.join(', ')}</td><td>${e.enabled ? 'enabled' : `disabled${e.disabled_reason ? ` (${e.disabled_reason})` : ''}`}</td></tr>`,
    )}</tbody></table></div>
${endpoints.length === 0 ? html`<p>No endpoint yet.</p>` : ''}
${
  canManage
    ? html`<form method="post" action="${root}/webhooks" class="card" aria-labelledby="add-endpoint">
<h2 id="add-endpoint">Add an endpoint</h2>
${errorBox(options.error)}
${csrfField(frame.csrf)}
<label for="url">Endpoint URL</label>
<input id="url" name="url" type="text" inputmode="url" required value="${input.url ?? ''}">
<label for="mode">Mode</label>
<select id="mode" name="mode">${WEBHOOK_MODES.map((m) => html`<option value="${m}"${when((input.mode ?? 'signed') === m, ' selected')}>${m}</option>`)}</select>
<fieldset><legend>Events</legend>
${SUBSCRIBABLE_EVENTS.map((e) => html`<label class="check"><input type="checkbox" name="events" value="${e}"${when(chosen.has(e), ' checked')}> ${e}</label>`)}
</fieldset>
<div class="actions"><button type="submit">Add endpoint</button></div>
</form>`
    : ''
}`,
    ['/dashboard/assets/dashboard.js'],
  );
}

export interface DeliveryFilters {
  status?: string;
  event_type?: string;
  from?: string;
  to?: string;
}

export function endpointPage(
  frame: Frame,
  endpoint: PresentedEndpoint,
  rate: { attempts: number; succeeded: number; rate: number | null },
  log: { webhook_deliveries: PresentedDeliveryWithAttempts[]; pagination: Pagination },
  filters: DeliveryFilters,
  options: { secret?: string; notice?: string; error?: string } = {},
): string {
  const root = base(frame);
  const self = `${root}/webhooks/${endpoint.webhook_endpoint_id}`;
  const canManage = allows(frame.current.role, 'manage_webhooks');
  const post = (action: string, label: string, extra: SafeHtml = html``, cls = 'secondary') =>
    html`<form method="post" action="${self}/${action}" class="inline">${csrfField(frame.csrf)}${extra}<button type="submit" class="${cls}">${label}</button></form>`;
  const query = (page: number) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(filters)) if (v) params.set(k, v);
    params.set('page', String(page));
    return `${self}?${params}`;
  };
  return dashboardPage(
    frame,
    'webhooks',
    `Endpoint ${endpoint.url}`,
    html`<p><a href="${root}/webhooks">All endpoints</a></p>
${notice(options.notice)}${errorBox(options.error)}
${options.secret ? secretBox('New signing secret', options.secret) : ''}
<section class="card" aria-labelledby="details"><h2 id="details">Details</h2>
<dl><dt>Id</dt><dd>${endpoint.webhook_endpoint_id}</dd><dt>URL</dt><dd>${endpoint.url}</dd><dt>Mode</dt><dd>${endpoint.mode}</dd>
<dt>Events</dt><dd>${endpoint.events.join(', ')}</dd><dt>State</dt><dd>${endpoint.enabled ? 'enabled' : `disabled${endpoint.disabled_reason ? ` (${endpoint.disabled_reason})` : ''}`}</dd>
<dt>Success rate (24 h)</dt><dd>${rate.rate === null ? 'no attempt in the last 24 hours' : `${(rate.rate * 100).toFixed(1)} % of ${rate.attempts} attempts`}</dd></dl>
</section>
${
  canManage
    ? html`<section class="card" aria-labelledby="actions"><h2 id="actions">Actions</h2>
<div class="actions">
${endpoint.enabled ? post('test', 'Send test event') : ''}
${endpoint.enabled ? post('disable', 'Disable') : post('enable', 'Enable')}
${post('delete', 'Delete endpoint')}
</div>
<form method="post" action="${self}/settings" aria-labelledby="settings">${csrfField(frame.csrf)}
<h3 id="settings">Settings</h3>
<label for="settings-mode">Mode</label>
<select id="settings-mode" name="mode">${WEBHOOK_MODES.map((m) => html`<option value="${m}"${when(endpoint.mode === m, ' selected')}>${m}</option>`)}</select>
<fieldset><legend>Subscribed events</legend>
${SUBSCRIBABLE_EVENTS.map((e) => html`<label class="check"><input type="checkbox" name="events" value="${e}"${when(endpoint.events.includes(e), ' checked')}> ${e}</label>`)}
</fieldset>
<div class="actions"><button type="submit" class="secondary">Save settings</button></div>
</form>
<form method="post" action="${self}/rotate">${csrfField(frame.csrf)}
<label for="overlap">Keep the old secret valid for</label>
<select id="overlap" name="overlap_seconds">
<option value="0">Retire the old one now</option>
<option value="3600">1 hour</option>
<option value="86400" selected>24 hours</option>
<option value="604800">7 days</option>
</select>
<div class="actions"><button type="submit" class="secondary">Rotate secret</button></div>
</form>
</section>`
    : ''
}
<section aria-labelledby="log"><h2 id="log">Delivery log</h2>
<form method="get" action="${self}" class="card filters">
<div><label for="f-status">Outcome</label><select id="f-status" name="status"><option value="">Any</option>${DELIVERY_STATUSES.map((s) => html`<option value="${s}"${when(filters.status === s, ' selected')}>${s}</option>`)}</select></div>
<div><label for="f-event">Event type</label><select id="f-event" name="event_type"><option value="">Any</option>${EVENT_TYPE_NAMES.map((e) => html`<option value="${e}"${when(filters.event_type === e, ' selected')}>${e}</option>`)}</select></div>
<div><label for="f-from">From</label><input id="f-from" name="from" type="date" value="${filters.from ?? ''}"></div>
<div><label for="f-to">To</label><input id="f-to" name="to" type="date" value="${filters.to ?? ''}"></div>
<div><button type="submit">Filter</button></div>
</form>
${log.webhook_deliveries.length === 0 ? html`<p>No delivery matches.</p>` : ''}
${log.webhook_deliveries.map((d) => deliveryCard(frame, d, self))}
${pager(log.pagination, query)}
</section>`,
    ['/dashboard/assets/dashboard.js'],
  );
}

// Keys.

export function keysPage(
  frame: Frame,
  keys: ApiKeyRow[],
  options: { created?: string; notice?: string } = {},
): string {
  const root = base(frame);
  const canManage = allows(frame.current.role, 'manage_keys');
  return dashboardPage(
    frame,
    'keys',
    'API keys',
    html`${notice(options.notice)}
${options.created ? secretBox('New API key', options.created) : ''}
<div class="scroll"><table>
<caption>Keys of this channel</caption>
<thead><tr><th scope="col">Prefix</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">State</th>${canManage ? html`<th scope="col">Action</th>` : ''}</tr></thead>
<tbody>${keys.map(
      (k) =>
        html`<tr><td><code>${k.prefix}…</code></td><td>${when_(iso(Number(k.created_at)))}</td><td>${k.last_used_at === null ? 'never' : when_(iso(Number(k.last_used_at)))}</td><td>${k.revoked_at === null ? 'active' : `revoked ${when_(iso(Number(k.revoked_at)))}`}</td>${
          canManage
            ? html`<td>${
                k.revoked_at === null
                  ? html`<form method="post" action="${root}/keys/${k.id}/revoke" class="inline">${csrfField(frame.csrf)}<button type="submit" class="secondary" aria-label="Revoke ${k.prefix}">Revoke</button></form>`
                  : ''
              }</td>`
            : ''
        }</tr>`,
    )}</tbody></table></div>
<p class="hint">“Last used” is updated at most once a minute.</p>
${canManage ? html`<form method="post" action="${root}/keys" class="card">${csrfField(frame.csrf)}<button type="submit">Create key</button></form>` : ''}`,
    ['/dashboard/assets/dashboard.js'],
  );
}

// Users.

export function usersPage(
  frame: Frame,
  members: Array<{ user_id: string; email: string; role: DashboardRole; has_password: boolean }>,
  options: { link?: string; error?: string; notice?: string } = {},
): string {
  const root = base(frame);
  return dashboardPage(
    frame,
    'users',
    'Users',
    html`${notice(options.notice)}${errorBox(options.error)}
${options.link ? secretBox('Set-password link (send it to the user)', options.link) : ''}
<div class="scroll"><table>
<caption>Members of this channel</caption>
<thead><tr><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Password set</th><th scope="col">Action</th></tr></thead>
<tbody>${members.map(
      (m) =>
        html`<tr><td>${m.email}</td><td>${m.role}</td><td>${m.has_password ? 'yes' : 'not yet'}</td><td>${
          m.email === frame.email
            ? 'you'
            : html`<form method="post" action="${root}/users/${m.user_id}/remove" class="inline">${csrfField(frame.csrf)}<button type="submit" class="secondary" aria-label="Remove ${m.email}">Remove</button></form>`
        }</td></tr>`,
    )}</tbody></table></div>
<form method="post" action="${root}/users" class="card" aria-labelledby="add-user"><h2 id="add-user">Add a user</h2>
${csrfField(frame.csrf)}
<label for="new-email">Email</label><input id="new-email" name="email" type="email" required>
<label for="role">Role</label><select id="role" name="role"><option value="viewer">viewer</option><option value="developer">developer</option><option value="owner">owner</option></select>
<div class="actions"><button type="submit">Add user</button></div>
</form>`,
    ['/dashboard/assets/dashboard.js'],
  );
}
