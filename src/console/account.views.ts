import { html, raw, type SafeHtml } from '../html/html.js';
import { page } from '../html/layout.js';
import type { ClinicianRow } from './clinicians.repository.js';

/** Issue 11 items 1 and 2 — the code step, TOTP enrolment, recovery codes, password reset. */

const signOutForm = (csrf: string) =>
  html`<form method="post" action="/console/sign-out"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" class="link">Cancel and sign out</button></form>`;

export function codePage(options: { csrf: string; error?: string; status?: string }): string {
  return page(
    'Authentication code',
    html`<h1>Authentication code</h1>
${options.error ? html`<p class="errors" role="alert">${options.error}</p>` : ''}
<form method="post" action="/console/mfa" class="card">
<input type="hidden" name="_csrf" value="${options.csrf}">
<p>Enter the 6-digit code your authenticator app shows for Qualify, or one of your recovery codes.</p>
<label for="code">Authentication code</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required autofocus>
<div class="actions"><button type="submit">Verify</button></div>
</form>
${signOutForm(options.csrf)}`,
  );
}

export function enrolPage(options: {
  csrf: string;
  clinician: ClinicianRow;
  secret: string;
  qrSvg: string;
  error?: string;
}): string {
  const grouped = options.secret.replace(/(.{4})/g, '$1 ').trim();
  return page(
    'Set up two-step sign-in',
    html`<h1>Set up two-step sign-in</h1>
${options.error ? html`<p class="errors" role="alert">${options.error}</p>` : ''}
<div class="card">
<p>Every sign-in to the console needs a code from an authenticator app (Google Authenticator,
1Password, Authy, …) as well as your password. Scan this QR code with the app:</p>
<div class="qr" aria-label="QR code for your authenticator app" role="img">${raw(options.qrSvg)}</div>
<p>Or type this key into the app:</p>
<p><code id="totp-secret" aria-label="Setup key">${grouped}</code></p>
</div>
<form method="post" action="/console/mfa" class="card">
<input type="hidden" name="_csrf" value="${options.csrf}">
<label for="code">Authentication code</label>
<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>
<div class="actions"><button type="submit">Verify and continue</button></div>
</form>
${signOutForm(options.csrf)}`,
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
<p><a href="/console/queue">Continue to the review queue</a></p>
</div>`,
  );
}

export function resetPage(options: {
  token: string;
  email: string;
  errors?: { password?: string; confirm?: string };
}): string {
  const errors = options.errors ?? {};
  const err = (message?: string) => (message ? html`<p class="error">${message}</p>` : '');
  return page(
    'Choose a new password',
    html`<h1>Choose a new password</h1>
${Object.keys(errors).length > 0 ? html`<p class="errors" role="alert">Please correct the form below.</p>` : ''}
<form method="post" action="/console/reset/${options.token}" class="card">
<p>For ${options.email}.</p>
<label for="password">New password</label>
${err(errors.password)}
<input type="password" id="password" name="password" autocomplete="new-password" required>
<label for="confirm">New password again</label>
${err(errors.confirm)}
<input type="password" id="confirm" name="confirm" autocomplete="new-password" required>
<div class="actions"><button type="submit">Set password</button></div>
</form>`,
  );
}

export function resetInvalidPage(): SafeHtml {
  return html`This password-reset link is not valid: it was used already, or more than an hour has
passed. Ask an administrator for a new one. <a href="/console">Sign in</a>`;
}
