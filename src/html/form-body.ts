import type { FastifyInstance } from 'fastify';
import { textProblem } from '../http/text-guard.js';
import { ApiError } from '../lib/errors.js';
import type { FormBody } from './forms.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

const NOT_TEXT =
  'The form could not be read: it contains characters that cannot be used (control characters or broken text). Please go back, remove them and send it again.';

/**
 * An `application/x-www-form-urlencoded` body, strictly (issue 13 item 6): UTF-8, `%` sequences
 * that decode, and no value or name with a NUL, another control character or a lone surrogate
 * (`text-guard.ts`). Anything else is refused with a 400 page instead of being stored changed
 * (or, for a NUL on PostgreSQL, failing with a 500). A repeated field arrives as an array.
 */
export function parseFormBody(body: Buffer): FormBody {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw new ApiError('ValidationError', NOT_TEXT);
  }
  const fields: FormBody = Object.create(null);
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = decode(at === -1 ? pair : pair.slice(0, at));
    const value = at === -1 ? '' : decode(pair.slice(at + 1));
    if (textProblem(name) !== undefined || textProblem(value) !== undefined)
      throw new ApiError('ValidationError', NOT_TEXT);
    const before = fields[name];
    fields[name] =
      before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value];
  }
  return fields;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    throw new ApiError('ValidationError', NOT_TEXT);
  }
}

/** The one parser of form bodies on the human pages. */
export function useStrictFormBodies(pages: FastifyInstance): void {
  pages.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'buffer' },
    (_request, body, done) => {
      try {
        done(null, parseFormBody(body as Buffer));
      } catch (error) {
        done(error as Error, undefined);
      }
    },
  );
}
