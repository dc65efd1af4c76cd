import { html, raw, type SafeHtml } from './html.js';

// Small, readable on a phone, high contrast, visible focus; no external assets, no scripts.
const CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#f6f7f9}
main{max-width:40rem;margin:0 auto;padding:1rem}
header.bar{background:#1f3a5f;color:#fff;padding:.75rem 1rem;display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}
header.bar a,header.bar button{color:#fff}
h1{font-size:1.5rem;line-height:1.25}
.card{background:#fff;border:1px solid #d5d9e0;border-radius:8px;padding:1rem;margin:1rem 0}
label{display:block;font-weight:600;margin-top:1rem}
.check label,label.check{display:flex;gap:.5rem;align-items:flex-start;font-weight:400;margin-top:.5rem}
input[type=email],input[type=password],input[type=date],input[type=number],input[type=text],select,textarea{display:block;width:100%;font:inherit;padding:.6rem;border:1px solid #6b7280;border-radius:6px;background:#fff}
input[type=checkbox]{width:1.25rem;height:1.25rem;margin-top:.15rem;flex:none}
textarea{min-height:6rem}
fieldset{border:0;padding:0;margin:1rem 0 0}
legend{font-weight:600}
.hint{color:#4b5563;font-size:.9rem;margin:.25rem 0 0}
.error{color:#b91c1c;font-weight:600;margin:.25rem 0 0}
.errors{border:2px solid #b91c1c;border-radius:8px;padding:.75rem 1rem;background:#fff5f5}
.notice{border:2px solid #1f7a3a;border-radius:8px;padding:.75rem 1rem;background:#f2fbf4}
.actions{display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1.5rem}
button{font:inherit;font-weight:600;padding:.7rem 1.2rem;border-radius:6px;border:2px solid #1f3a5f;background:#1f3a5f;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#1f3a5f}
button.link{background:none;border:0;padding:0;text-decoration:underline;font-weight:400;color:#1f3a5f}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:.5rem;border-bottom:1px solid #e5e7eb;vertical-align:top}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:600}
dd{margin:0;white-space:pre-wrap;overflow-wrap:anywhere}
.letter{background:#fff;border:1px solid #d5d9e0;padding:1.5rem}
main.wide{max-width:75rem}
.scroll{overflow-x:auto}
nav.tabs{display:flex;gap:1rem;flex-wrap:wrap;padding:.5rem 1rem;background:#e8edf4}
nav.tabs a[aria-current]{font-weight:700}
.badge{display:inline-block;padding:0 .4rem;border-radius:4px;background:#e5e7eb;color:#1a1a1a;font-size:.85rem}
.filters{display:flex;gap:.75rem;flex-wrap:wrap;align-items:flex-end}
.filters label{margin-top:0}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.75rem}
.kpis div{background:#fff;border:1px solid #d5d9e0;border-radius:8px;padding:.75rem}
.kpis strong{display:block;font-size:1.4rem}
form.inline{display:inline}
`;

export interface PageOptions {
  /** Markup above `main` (the console's bar). */
  header?: SafeHtml;
  /** A wide `main` (the dashboard's tables). */
  wide?: boolean;
  /** Same-origin script URLs, loaded deferred (the dashboard only; other pages have no scripts). */
  scripts?: readonly string[];
  /** Extra CSS for this page (the letter's print stylesheet). */
  css?: string;
}

/** The one page shell: language, viewport for phones, title, inline CSS. */
export function page(title: string, body: SafeHtml, options: PageOptions = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · Qualify</title>
<style>${raw(CSS)}${raw(options.css ?? '')}</style>
${(options.scripts ?? []).map((src) => html`<script defer src="${src}"></script>`)}
</head>
<body>
${options.header ?? ''}
<main id="main"${options.wide ? raw(' class="wide"') : ''}>
${body}
</main>
</body>
</html>
`.value;
}

/** A page with just a heading and a paragraph (errors, outcomes). */
export function messagePage(title: string, message: string | SafeHtml): string {
  return page(title, html`<h1>${title}</h1><div class="card"><p>${message}</p></div>`);
}
