import type { FastifyInstance } from 'fastify';
import { ApiError } from '../lib/errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * JSON bodies as Fastify parses them (prototype-poisoning checks included), except that:
 * - an empty body sent as `application/json` means "no body" instead of a 400. Clients that always
 *   send the header (the seed's Python example does) can then call the test helpers with no body,
 *   which means "all defaults" (SPEC §5); routes whose body is required still answer 400 from
 *   their schema;
 * - a body that is not UTF-8 is a 400 rather than text with U+FFFD in place of what was sent
 *   (issue 13 item 6; lone surrogates written as `\ud800` are refused after parsing, `text-guard.ts`).
 */
export function acceptEmptyJsonBody(scope: FastifyInstance): void {
  const parse = scope.getDefaultJsonParser('error', 'error');
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length === 0) {
      done(null, undefined);
      return;
    }
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      done(new ApiError('ValidationError', 'request body is not valid UTF-8'), undefined);
      return;
    }
    parse(request, text, done);
  });
}
