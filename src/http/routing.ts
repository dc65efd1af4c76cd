import type { FastifyInstance } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { sendNotFoundPage, wantsHtml } from '../html/front-door.js';
import { ApiError } from '../lib/errors.js';
import { sendError } from './errors.js';
import type { SecurityHeaderOptions } from './security-headers.js';
import { securityHeadersSetter } from './security-headers.js';

const METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * SPEC §1.2 — unknown paths answer 404 and known paths with the wrong method answer 405 with an
 * `Allow` header. Fastify itself answers 404 for both, so a shadow router remembers every route.
 */
export function registerRouting(app: FastifyInstance, headers: SecurityHeaderOptions): void {
  const pageHeaders = securityHeadersSetter('pages', headers);
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
    // Issue 14 item 4 — a browser gets a page; API clients the flat JSON error (SPEC §1.2).
    if (wantsHtml(request) && (request.method === 'GET' || request.method === 'HEAD')) {
      pageHeaders(request, reply);
      reply.header('cache-control', 'no-store');
      return sendNotFoundPage(reply, path);
    }
    return sendError(reply, request, new ApiError('NotFound', `no route ${request.method} ${path}`));
  });
}
