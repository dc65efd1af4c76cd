import type { FastifyInstance } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { ApiError } from '../lib/errors.js';
import { sendError } from './errors.js';

const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * SPEC §1.2 — unknown paths answer 404 and known paths with the wrong method answer 405 with an
 * `Allow` header. Fastify itself answers 404 for both, so a shadow router remembers every route.
 */
export function registerRouting(app: FastifyInstance): void {
  const shadow = FindMyWay({ ignoreTrailingSlash: false });
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (!METHODS.includes(method as HTTPMethod)) continue;
      try {
        shadow.on(method as HTTPMethod, route.url, () => {});
      } catch {
        // A route registered twice (HEAD for GET) is already known.
      }
    }
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allowed = METHODS.filter((method) => shadow.find(method, path) !== null);
    if (allowed.length > 0) {
      return sendError(
        reply,
        request,
        new ApiError(
          'MethodNotAllowed',
          `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}`,
          {
            allow: allowed.join(', '),
          },
        ),
      );
    }
    return sendError(reply, request, new ApiError('NotFound', `no route ${request.method} ${path}`));
  });
}
