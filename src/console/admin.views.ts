import type { AuditRow } from '../audit/audit.repository.js';
import { html, type SafeHtml, when } from '../html/html.js';
import { page } from '../html/layout.js';
import { iso } from '../lib/clock.js';
import type { ClinicianRow } from './clinicians.repository.js';
import type { ClinicianSummary } from './clinicians.service.js';
import { CLINICIAN_ROLES, SANDBOX_ACCESS } from './clinicians.vocabulary.js';
import type { AccountValues } from './console.forms.js';
import { consoleBar } from './console.views.js';

/** Issue 11 items 1 and 7 — the admin's pages: accounts and the audit log. */

const SANDBOX_LABELS = {
  none: 'Live queue only',
  also: 'Live and Sandbox queues',
  only: 'Sandbox queue only',
};

export function accountsPage(options: {
  admin: ClinicianRow;
  csrf: string;
  accounts: ClinicianSummary[];
  notice?: SafeHtml | string;
}): string {
  const rows = options.accounts.map(
    (a) => html`<tr>
<td><a href="/console/admin/clinicians/${a.clinician_id}">${a.name}</a>, ${a.credentials}</td>
<td>${a.email}</td><td>${a.role}</td><td>${a.states.join(', ') || '—'}</td><td>${SANDBOX_LABELS[a.sandbox]}</td>
<td>${a.disabled ? 'Disabled' : 'Active'}</td>
</tr>`,
  );
  return page(
    'Accounts',
    html`<h1>Accounts</h1>
${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ''}
<p><a href="/console/admin/clinicians/new">Add an account</a> · <a href="/console/admin/audit">Audit log</a></p>
<table><thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">States</th><th scope="col">Queues</th><th scope="col">Status</th></tr></thead>
<tbody>${rows}</tbody></table>`,
    { header: consoleBar(options.admin, options.csrf) },
  );
}

export function accountFormPage(options: {
  admin: ClinicianRow;
  csrf: string;
  account?: ClinicianSummary;
  input: Partial<Record<keyof AccountValues, string>>;
  error?: string;
  notice?: SafeHtml | string;
}): string {
  const { account, input } = options;
  const action = account ? `/console/admin/clinicians/${account.clinician_id}` : '/console/admin/clinicians';
  const field = (name: keyof AccountValues, label: string, type = 'text') =>
    html`<label for="${name}">${label}</label><input type="${type}" id="${name}" name="${name}" value="${input[name] ?? ''}">`;
  const manage = account
    ? html`<section class="card" aria-labelledby="manage-title"><h2 id="manage-title">Access</h2>
<p>Status: ${account.disabled ? 'Disabled' : 'Active'}</p>
<form method="post" action="/console/admin/clinicians/${account.clinician_id}/${account.disabled ? 'enable' : 'disable'}">
<input type="hidden" name="_csrf" value="${options.csrf}">
<button type="submit" class="secondary">${account.disabled ? 'Enable account' : 'Disable account'}</button></form>
<form method="post" action="/console/admin/clinicians/${account.clinician_id}/reset">
<input type="hidden" name="_csrf" value="${options.csrf}">
<button type="submit" class="secondary">Create password-reset link</button></form>
<p><a href="/console/admin/audit?clinician=${account.clinician_id}">Audit log of this account</a></p>
</section>`
    : '';
  return page(
    account ? `Account: ${account.name}` : 'Add an account',
    html`<h1>${account ? `Account: ${account.name}` : 'Add an account'}</h1>
${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ''}
${options.error ? html`<p class="errors" role="alert">${options.error}</p>` : ''}
<form method="post" action="${action}" class="card">
<input type="hidden" name="_csrf" value="${options.csrf}">
${account ? html`<p>Email: ${account.email}</p><input type="hidden" name="email" value="${account.email}">` : field('email', 'Email', 'email')}
${field('name', 'Full name')}
${field('credentials', 'Credentials')}
${field('npi', 'NPI')}
${field('states', 'Licensed states (comma-separated, e.g. CA,NY)')}
<label for="licenses">Licence numbers</label>
<p class="hint" id="licenses-hint">One per line, state then number, for example CA=A12345. A clinician approves only in states with a licence number.</p>
<textarea id="licenses" name="licenses" rows="4" aria-describedby="licenses-hint">${input.licenses ?? ''}</textarea>
<label for="practice_address">Practice address</label>
<textarea id="practice_address" name="practice_address" rows="3">${input.practice_address ?? ''}</textarea>
<label for="role">Role</label>
<select id="role" name="role">${CLINICIAN_ROLES.map((r) => html`<option value="${r}" ${when(input.role === r, 'selected')}>${r}</option>`)}</select>
<label for="sandbox">Queues</label>
<select id="sandbox" name="sandbox">${SANDBOX_ACCESS.map((s) => html`<option value="${s}" ${when(input.sandbox === s, 'selected')}>${SANDBOX_LABELS[s]}</option>`)}</select>
<div class="actions"><button type="submit">${account ? 'Save changes' : 'Add account'}</button></div>
</form>
${manage}`,
    { header: consoleBar(options.admin, options.csrf) },
  );
}

export function auditPage(options: {
  admin: ClinicianRow;
  csrf: string;
  rows: AuditRow[];
  clinician: string;
  session: string;
  next?: string;
}): string {
  const rows = options.rows.map(
    (
      r,
    ) => html`<tr><td>${r.seq}</td><td>${iso(Number(r.created_at))}</td><td>${r.actor_type}${r.actor_id ? ` ${r.actor_id}` : ''}</td>
<td>${r.action}</td><td>${r.subject_id ?? ''}</td><td><code>${r.details}</code></td></tr>`,
  );
  return page(
    'Audit log',
    html`<h1>Audit log</h1>
<form method="get" action="/console/admin/audit" class="card">
<label for="clinician">Clinician (account id)</label><input type="text" id="clinician" name="clinician" value="${options.clinician}">
<label for="session">Session (id)</label><input type="text" id="session" name="session" value="${options.session}">
<div class="actions"><button type="submit">Filter</button></div>
</form>
<table><thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Subject</th><th scope="col">Details</th></tr></thead>
<tbody>${rows}</tbody></table>
${options.next ? html`<p><a href="${options.next}">Older entries</a></p>` : ''}`,
    { header: consoleBar(options.admin, options.csrf) },
  );
}
