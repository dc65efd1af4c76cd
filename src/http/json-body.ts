import type { FastifyInstance } from 'fastify';

/**
 * JSON bodies as Fastify parses them (prototype-poisoning checks included), except that an empty
 * body sent as `application/json` means "no body" instead of a 400. Clients that always send the
 * header (the seed's Python example does) can then call the test helpers with no body, which
 * means "all defaults" (SPEC §5); routes whose body is required still answer 400 from their schema.
 */
export function acceptEmptyJsonBody(scope: FastifyInstance): void {
  const parse = scope.getDefaultJsonParser('error', 'error');
  scope.removeContentTypeParser('application/json');
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') {
      done(null, undefined);
      return;
    }
    parse(request, body as string, done);
  });
}
