import { html, type SafeHtml } from '../html/html.js';
import { page } from '../html/layout.js';
import type { Diagnosis } from '../survey/definition.js';
import { US_STATES } from '../survey/definition.js';
import { formatVerificationCode } from './lmn.code.js';
import type { Letter, LetterItem, Verification } from './lmn.service.js';
import { CERTIFICATION_STATEMENT } from './lmn.service.js';

export const TEST_MARK = 'TEST — NOT VALID FOR REIMBURSEMENT';

/** Everything a letter shows, issued or previewed (issue 10 item 3): one source for HTML and PDF. */
export interface LetterContent {
  test: boolean;
  patientName: string;
  dateOfBirth: string | null;
  state: string;
  issuedAt: number;
  expiresAt: number;
  diagnoses: Diagnosis[];
  items: LetterItem[];
  statement: string;
  clinician: {
    name: string;
    credentials: string;
    npi: string;
    license: string | null;
    address: string | null;
  };
  /** Null in a preview: the code is drawn when the letter is issued. */
  verification: { code: string; url: string } | null;
}

export const day = (ms: number) => new Date(Number(ms)).toISOString().slice(0, 10);
export const stateName = (code: string) => US_STATES[code] ?? code;

export function letterContent(letter: Letter, publicUrl: string): LetterContent {
  const { row, clinical } = letter;
  return {
    test: letter.test,
    patientName: row.shopper_name ?? row.shopper_email ?? '',
    dateOfBirth: clinical.dateOfBirth,
    state: row.shopper_state,
    issuedAt: Number(row.issued_at),
    expiresAt: Number(row.expires_at),
    diagnoses: clinical.diagnoses,
    items: letter.items,
    statement: clinical.statement || CERTIFICATION_STATEMENT,
    clinician: {
      name: row.clinician_name,
      credentials: row.clinician_credentials,
      npi: row.clinician_npi,
      license: row.clinician_license,
      address: row.clinician_address,
    },
    verification: {
      code: formatVerificationCode(row.verification_code),
      url: `${publicUrl}/verify/${row.verification_code}`,
    },
  };
}

/** "Electronically signed by … on …" (E-SIGN Act): the signature line of HTML and PDF alike. */
export function signatureLine(content: LetterContent): string {
  return `Electronically signed by ${content.clinician.name}, ${content.clinician.credentials} on ${day(content.issuedAt)}`;
}

/** The letter itself, as an article: the shopper's page and the clinician's preview. */
export function letterArticle(content: LetterContent): SafeHtml {
  const { clinician } = content;
  const mark = content.test ? html`<p class="test-mark" role="note">${TEST_MARK}</p>` : '';
  return html`<article class="letter" aria-labelledby="letter-title">
${mark}
<h2 id="letter-title">Letter of Medical Necessity</h2>
<dl>
<dt>Patient</dt><dd>${content.patientName}</dd>
<dt>Date of birth</dt><dd>${content.dateOfBirth ?? '—'}</dd>
<dt>Patient's state</dt><dd>${stateName(content.state)}</dd>
<dt>Issued</dt><dd>${day(content.issuedAt)}</dd>
<dt>Valid until</dt><dd>${day(content.expiresAt)}</dd>
</dl>
<h3>Diagnoses</h3>
<ul>${content.diagnoses.map((d) => html`<li>${d.name}${d.code ? html` — ICD-10-CM <strong>${d.code}</strong>` : ''}</li>`)}</ul>
<h3>Covered items</h3>
<table><thead><tr><th scope="col">Item</th><th scope="col">Recommended use</th><th scope="col">Duration</th></tr></thead>
<tbody>${content.items.map((i) => html`<tr><td>${i.name ?? i.sku} (${i.sku})${i.quantity > 1 ? ` × ${i.quantity}` : ''}</td><td>${i.use}</td><td>${i.duration}</td></tr>`)}</tbody></table>
<h3>Certification</h3>
<p>${content.statement}</p>
<p class="signature">${signatureLine(content)}</p>
<p>${clinician.name}, ${clinician.credentials}<br>
NPI ${clinician.npi} · ${stateName(content.state)} licence ${clinician.license ?? '—'}<br>
${clinician.address ?? ''}</p>
${
  content.verification
    ? html`<p>Verification code <strong>${content.verification.code}</strong> — check it at
<a href="${content.verification.url}">${content.verification.url}</a></p>`
    : html`<p>The verification code is drawn when the letter is issued.</p>`
}
${mark}
</article>`;
}

const LETTER_CSS = `
.test-mark{border:3px solid #b91c1c;color:#b91c1c;font-weight:700;text-align:center;padding:.5rem;letter-spacing:.05em}
.letter table{margin:.5rem 0}
.signature{font-style:italic}
@media print{
  body{background:#fff;font-size:11pt}
  header.bar,.no-print{display:none}
  main{max-width:none;padding:0}
  .letter{border:0;padding:0}
  a{color:inherit;text-decoration:none}
  .test-mark{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`;

/** SPEC §2.5, issue 10 item 3 — the letter after the patient check: printable, with its PDF. */
export function letterPage(content: LetterContent, pdfHref: string): string {
  const body = html`<h1 class="no-print">Your Letter of Medical Necessity</h1>
<p class="notice no-print" role="status">Approved. Keep this letter for your HSA/FSA records.
<a href="${pdfHref}">Download the letter (PDF)</a></p>
${letterArticle(content)}`;
  return page('Letter of Medical Necessity', body, { css: LETTER_CSS });
}

/** Styles of the letter, for the clinician's preview page. */
export const letterCss = LETTER_CSS;

/** Issue 10 item 5 — where an administrator types a code. */
export function verifyFormPage(error?: string): string {
  return page(
    'Verify a letter',
    html`<h1>Verify a Letter of Medical Necessity</h1>
${error ? html`<p class="errors" role="alert">${error}</p>` : ''}
<form method="get" action="/verify" class="card">
<label for="code">Verification code</label>
<p class="hint" id="code-hint">The 10 characters printed on the letter, for example ABCDE-12345.</p>
<input type="text" id="code" name="code" autocomplete="off" aria-describedby="code-hint" maxlength="20">
<div class="actions"><button type="submit">Verify</button></div>
</form>`,
  );
}

/**
 * SPEC §2.5, issue 10 items 4 and 5 — valid, expired, test or unknown, with what matches a letter to
 * a claim (patient initials, dates, clinician, item names) and no diagnosis.
 */
export function verificationPage(result: Verification): string {
  if (result.status === 'unknown') {
    return page(
      'Unknown letter',
      html`<h1>Unknown letter</h1><div class="card" role="status"><p>No letter has this verification code.</p>
<p><a href="/verify">Check another code</a></p></div>`,
    );
  }
  const title =
    result.status === 'valid'
      ? 'Valid letter'
      : result.status === 'test'
        ? 'Test letter — not valid'
        : 'Expired letter';
  const message =
    result.status === 'valid'
      ? 'This Letter of Medical Necessity is valid.'
      : result.status === 'test'
        ? 'This is a test letter from a sandbox. It is not valid for reimbursement.'
        : 'This Letter of Medical Necessity has expired.';
  return page(
    title,
    html`<h1>${title}</h1>
<div class="card" role="status">
<p>${message}</p>
<dl>
<dt>Verification code</dt><dd>${formatVerificationCode(result.code)}</dd>
<dt>Patient initials</dt><dd>${result.patientInitials}</dd>
<dt>Clinician</dt><dd>${result.clinicianName}, ${result.clinicianCredentials}</dd>
<dt>Issued</dt><dd>${day(result.issuedAt)}</dd>
<dt>${result.status === 'expired' ? 'Expired on' : 'Valid until'}</dt><dd>${day(result.expiresAt)}</dd>
<dt>Covered items</dt><dd>${result.itemNames.join('\n')}</dd>
</dl>
<p><a href="/verify">Check another code</a></p>
</div>`,
  );
}
