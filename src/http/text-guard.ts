import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../lib/errors.js';

/**
 * Issue 13 item 6 — one rule for text, on every surface (API bodies, paths and query strings, form
 * bodies, shopper links): a value is refused, never silently changed, when it holds
 * - a NUL: PostgreSQL cannot store it (a 500 there) while SQLite would;
 * - another control character (C0 but tab, line feed and carriage return; DEL; C1);
 * - a lone UTF-16 surrogate (`"\ud800"` in JSON): both drivers would store U+FFFD instead.
 */
export const TEXT_PROBLEMS = ['NUL', 'control', 'surrogate'] as const;
export type TextProblem = (typeof TEXT_PROBLEMS)[number];

/** Fast pre-check: anything that may be a problem (surrogate pairs, such as emoji, are fine). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const SUSPECT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function textProblem(text: string): TextProblem | undefined {
  if (!SUSPECT.test(text)) return undefined;
  if (text.includes('\u0000')) return 'NUL';
  if (CONTROL.test(text)) return 'control';
  if (LONE_SURROGATE.test(text)) return 'surrogate';
  return undefined;
}

/** The API's sentence for a problem in `field` (SPEC §1.2: the message names the field). */
export function describeTextProblem(field: string, problem: TextProblem): string {
  switch (problem) {
    case 'NUL':
      return `${field} must not contain NUL characters`;
    case 'control':
      return `${field} must not contain control characters`;
    case 'surrogate':
      return `${field} must be valid Unicode text (it contains a lone surrogate)`;
  }
}

interface Visit {
  value: unknown;
  key: string;
  parent: Visit | undefined;
}

function pathOf(visit: Visit): string {
  const keys: string[] = [];
  for (let at: Visit | undefined = visit; at?.parent !== undefined; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.');
}

export interface TextFinding {
  /** Dotted path of the field, `a field name in <path>` for a key, or `whole` for a bare string. */
  field: string;
  problem: TextProblem;
}

/**
 * The first string value or key holding a problem, if any. Iterative, and paths are built only
 * for a hit: a body may nest thousands of levels deep within the size limit.
 */
export function findTextProblem(root: unknown, whole: string): TextFinding | undefined {
  const pending: Visit[] = [{ value: root, key: '', parent: undefined }];
  while (pending.length > 0) {
    const visit = pending.pop()!;
    const { value } = visit;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem !== undefined) return { field: pathOf(visit) || whole, problem };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    for (const [key, item] of Object.entries(value)) {
      const problem = textProblem(key);
      if (problem !== undefined) return { field: `a field name in ${pathOf(visit) || whole}`, problem };
      pending.push({ value: item, key, parent: visit });
    }
  }
  return undefined;
}

/**
 * Whether the raw query string has a `%` sequence that does not decode to UTF-8 (`%ff`, a lone
 * surrogate as `%ED%A0%80`, a bare `%`). The query parser keeps such text as typed, which would
 * silently store something else than was meant; the router already refuses them in the path.
 */
export function malformedQuery(url: string): boolean {
  const start = url.indexOf('?');
  if (start === -1 || !url.includes('%', start)) return false;
  try {
    decodeURIComponent(url.slice(start + 1));
    return false;
  } catch {
    return true;
  }
}

/** Path parameters, then the query string: its encoding, then its values. */
function urlProblem(request: FastifyRequest): TextFinding | 'malformed' | undefined {
  if (malformedQuery(request.url)) return 'malformed';
  return findTextProblem(request.params, 'path') ?? findTextProblem(request.query, 'query string');
}

/**
 * The merchant API: a `ValidationError` naming the field. Path and query are checked once the key
 * is authenticated (401 first), the body once parsed (and decoded as UTF-8, `json-body.ts`).
 */
export function guardApiText(api: FastifyInstance): void {
  // Callback hooks: they run on every API request, and an async hook costs a promise each.
  api.addHook('onRequest', (request, _reply, done) => {
    const found = urlProblem(request);
    if (found === 'malformed')
      return done(new ApiError('ValidationError', 'the query string is not validly percent-encoded'));
    if (found !== undefined)
      return done(new ApiError('ValidationError', describeTextProblem(found.field, found.problem)));
    done();
  });
  api.addHook('preValidation', (request, _reply, done) => {
    const found = request.body === undefined ? undefined : findTextProblem(request.body, 'request body');
    if (found !== undefined)
      return done(new ApiError('ValidationError', describeTextProblem(found.field, found.problem)));
    done();
  });
}

/**
 * The human pages: a link (shopper link with `?source=&skus=`, review page, verification code)
 * with such text is a 400 page; form bodies are checked as they are parsed (`html/form-body.ts`).
 */
export function guardPageText(pages: FastifyInstance): void {
  pages.addHook('onRequest', async (request) => {
    if (urlProblem(request) !== undefined)
      throw new ApiError(
        'ValidationError',
        'This link is not valid: it contains characters that cannot be used in it. Please use the link you were given.',
      );
  });
}
