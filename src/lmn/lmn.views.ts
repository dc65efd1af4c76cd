import { html } from '../html/html.js';
import { page } from '../html/layout.js';
import { US_STATES } from '../survey/definition.js';
import { formatVerificationCode } from './lmn.code.js';
import type { Letter, Verification } from './lmn.service.js';

const day = (ms: number) => new Date(Number(ms)).toISOString().slice(0, 10);
const money = (cents: number | null) => (cents === null ? '' : `$${(cents / 100).toFixed(2)}`);

/** SPEC §2.5 — the letter, shown to the shopper on their link once approved. */
export function letterPage(letter: Letter, publicUrl: string): string {
  const { row, clinical, coveredItems } = letter;
  const code = formatVerificationCode(row.verification_code);
  const body = html`<h1>Your Letter of Medical Necessity</h1>
<p class="notice" role="status">Approved. Keep this letter for your HSA/FSA records.</p>
<article class="letter" aria-labelledby="letter-title">
<h2 id="letter-title">Letter of Medical Necessity</h2>
<dl>
<dt>Letter</dt><dd>${row.id}</dd>
<dt>Patient</dt><dd>${row.shopper_name ?? row.shopper_email ?? ''}</dd>
<dt>Email</dt><dd>${row.shopper_email ?? ''}</dd>
<dt>Patient's state</dt><dd>${US_STATES[row.shopper_state] ?? row.shopper_state}</dd>
<dt>Issued</dt><dd>${day(row.issued_at)}</dd>
<dt>Valid until</dt><dd>${day(row.expires_at)}</dd>
</dl>
<h3>Conditions</h3>
<ul>${clinical.conditions.map((c) => html`<li>${c}</li>`)}</ul>
<h3>Covered items</h3>
<ul>${coveredItems.map((i) => html`<li>${i.name ?? i.sku} (${i.sku})${i.quantity > 1 ? ` × ${i.quantity}` : ''} ${money(i.price)}</li>`)}</ul>
<p>${clinical.statement}</p>
<p>${row.clinician_name}, ${row.clinician_credentials}<br>
NPI ${row.clinician_npi} · licensed in ${US_STATES[row.clinician_state] ?? row.clinician_state}</p>
<p>Verification code <strong>${code}</strong> — check it at
<a href="${publicUrl}/verify/${row.verification_code}">${publicUrl}/verify/${row.verification_code}</a></p>
</article>`;
  return page('Letter of Medical Necessity', body);
}

/** SPEC §2.5 — valid, expired or unknown, with the clinician and dates; no health information. */
export function verificationPage(result: Verification): string {
  if (result.status === 'unknown') {
    return page(
      'Unknown letter',
      html`<h1>Unknown letter</h1><div class="card" role="status"><p>No letter has this verification code.</p></div>`,
    );
  }
  const valid = result.status === 'valid';
  const title = valid ? 'Valid letter' : 'Expired letter';
  return page(
    title,
    html`<h1>${title}</h1>
<div class="card" role="status">
<p>${valid ? 'This Letter of Medical Necessity is valid.' : 'This Letter of Medical Necessity has expired.'}</p>
<dl>
<dt>Verification code</dt><dd>${formatVerificationCode(result.code)}</dd>
<dt>Clinician</dt><dd>${result.clinicianName}, ${result.clinicianCredentials}</dd>
<dt>Issued</dt><dd>${day(result.issuedAt)}</dd>
<dt>${valid ? 'Valid until' : 'Expired on'}</dt><dd>${day(result.expiresAt)}</dd>
</dl>
</div>`,
  );
}

/** Issue 14 item 4 — `/verify`: a form for the code printed on a letter (GET, so no CSRF token). */
export function verifyFormPage(): string {
  return page(
    'Verify a letter',
    html`<h1>Verify a letter</h1>
<form class="card" method="get" action="/verify">
<label for="code">Verification code</label>
<p class="hint" id="code-hint">Printed on the letter, for example ABCD-EFGH-JK.</p>
<input type="text" id="code" name="code" required maxlength="64" autocomplete="off" aria-describedby="code-hint">
<div class="actions"><button type="submit">Verify</button></div>
</form>`,
  );
}
