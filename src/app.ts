import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { humanPages } from './html/pages.js';
import { API_KEY_HEADER, apiKeyAuth } from './http/auth.js';
import { DeferredCompiles } from './http/deferred-compiles.js';
import { clientError, expectationFailed, frameworkErrors, registerErrorHandler } from './http/errors.js';
import { useIpRateLimits } from './http/ip-rate-limits.js';
import { acceptEmptyJsonBody } from './http/json-body.js';
import { documentFormats } from './http/openapi-formats.js';
import { registerRouting } from './http/routing.js';
import { useSecurityHeaders } from './http/security-headers.js';
import { guardApiText } from './http/text-guard.js';
import { ApiError } from './lib/errors.js';
import { newRequestId } from './lib/ids.js';
import { hashApiKey } from './lib/tokens.js';
import type { Services } from './services.js';
import { sessionsRoutes } from './sessions/sessions.routes.js';
import { statsRoutes } from './stats/stats.routes.js';
import { testHelpersRoutes } from './test-helpers/test-helpers.routes.js';
import { webhooksRoutes } from './webhooks/webhooks.routes.js';

export const BODY_LIMIT = 64 * 1024;

export interface AppOptions {
  services: Services;
  /** A pino logger; none in tests unless a test reads the log. */
  logger?: FastifyBaseLogger;
  /** Slow-client limits in ms; tests use short ones. */
  timeouts?: Partial<ServerTimeouts>;
}

export interface ServerTimeouts {
  /** All request headers must arrive within this time (slowloris). */
  headersTimeout: number;
  /** The whole request, headers and body, must arrive within this time. */
  requestTimeout: number;
  /** A socket with no activity for this long is closed. */
  connectionTimeout: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeout: number;
}

export const DEFAULT_TIMEOUTS: ServerTimeouts = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  connectionTimeout: 30_000,
  keepAliveTimeout: 72_000,
};

/** Log settings: JSON lines with the request id; keys, secrets, cookies and query strings never logged. */
export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: {
      paths: [
        `req.headers["${API_KEY_HEADER}"]`,
        'req.headers.cookie',
        'req.headers.authorization',
        'res.headers["set-cookie"]',
      ],
      censor: '[redacted]',
    },
    serializers: {
      // The shopper link carries a capability token in its query string: log the path only.
      req: (req: { method: string; url: string; id: string }) => ({
        method: req.method,
        url: req.url.split('?')[0],
        id: req.id,
      }),
    },
  };
}

/** A hop count trusts that many proxies (Fastify's types take it as a function). */
function trustProxyOption(
  setting: boolean | number | string,
): boolean | string | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

/** Builds the whole application without listening: the server and the tests drive the same app. */
export async function buildApp({ services, logger, timeouts }: AppOptions): Promise<FastifyInstance> {
  const limits = { ...DEFAULT_TIMEOUTS, ...timeouts };
  const deferred = new DeferredCompiles();
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    bodyLimit: BODY_LIMIT,
    // Issue 13 item 5 — the client address the per-IP limits count, behind a proxy too.
    trustProxy: trustProxyOption(services.config.trustProxy),
    genReqId: newRequestId,
    // Slow clients are cut off instead of holding a socket forever. Node checks the header and
    // request deadlines every `connectionsCheckingInterval`, so that follows the shortest one.
    connectionTimeout: limits.connectionTimeout,
    requestTimeout: limits.requestTimeout,
    keepAliveTimeout: limits.keepAliveTimeout,
    http: {
      // A missing Host is answered below with the flat error body, not Node's bare 400.
      requireHostHeader: false,
      headersTimeout: Math.min(limits.headersTimeout, limits.requestTimeout),
      connectionsCheckingInterval: Math.max(
        50,
        Math.min(30_000, Math.floor(Math.min(limits.headersTimeout, limits.requestTimeout) / 4)),
      ),
    },
    return503OnClosing: true,
    frameworkErrors,
    // Issue 13 item 6 — what Node's parser refuses gets the flat error body too.
    clientErrorHandler: clientError,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 200 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    schemaController: deferred.schemaController(),
  });
  app.setValidatorCompiler(deferred.validatorCompiler());
  app.addHook('onListen', async () => {
    void deferred.compileRest((error) => app.log.error({ err: error }, 'a route schema failed to compile'));
  });
  app.decorateRequest('channel', null);
  app.server.on('checkExpectation', expectationFailed);
  // Callback hooks: an async one costs a promise and a microtask turn on every request.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  const { metrics } = services;
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest(
      request.method,
      request.routeOptions.url,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
  registerErrorHandler(app);
  const hsts = services.config.publicUrl.startsWith('https:');
  registerRouting(app, { hsts });
  useSecurityHeaders(app, 'api', { hsts });
  app.addHook('onRequest', (request, _reply, done) => {
    // RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400 (with the flat body, not Node's bare one).
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1')
      return done(new ApiError('ValidationError', 'the Host header is required'));
    done();
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Qualify merchant API',
        version: '1.0.0',
        description:
          'HSA/FSA qualification sessions. Wire-compatible with the Truemed merchant API for qualification sessions.',
      },
      components: {
        securitySchemes: { ApiKey: { type: 'apiKey', in: 'header', name: API_KEY_HEADER } },
      },
      security: [{ ApiKey: [] }],
    },
    transformObject: (documents) => documentFormats((documents as { openapiObject: object }).openapiObject),
  });
  await app.register(async (docs) => {
    useSecurityHeaders(docs, 'docs', { hsts });
    await docs.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // SPEC §4.4 — Prometheus text; unauthenticated like /healthz (bind HOST to a private interface).
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.contentType()).send(await metrics.render()),
  );
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await services.database.ping();
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });

  // The merchant API: every route is authenticated and rate-limited per key.
  await app.register(async (api) => {
    // JSON only (SPEC §1.2 → 415): Fastify would otherwise also accept text/plain bodies.
    api.removeContentTypeParser(['text/plain']);
    acceptEmptyJsonBody(api);
    // Issue 13 item 5 — an address that keeps failing to authenticate waits before its key is even looked up.
    useIpRateLimits(api, services.clock, [
      {
        name: 'unauthenticated',
        perMinute: services.config.ipRateLimits.unauthenticated,
        routes: '*',
        counts: 'unauthorized',
      },
    ]);
    if (services.config.rateLimitPerMinute > 0) {
      await api.register(rateLimit, {
        max: services.config.rateLimitPerMinute,
        timeWindow: 60_000,
        hook: 'onRequest',
        keyGenerator: (request) => {
          const key = request.headers[API_KEY_HEADER];
          return typeof key === 'string' ? hashApiKey(key) : request.ip;
        },
        errorResponseBuilder: (_request, context) =>
          new ApiError('RateLimited', `rate limit of ${context.max} requests per minute exceeded`, {
            'retry-after': String(Math.ceil(context.ttl / 1000)),
          }),
      });
    }
    api.addHook('onRequest', apiKeyAuth(services.channels));
    guardApiText(api);
    await api.register(sessionsRoutes, { services });
    await api.register(testHelpersRoutes, { services });
    await api.register(webhooksRoutes, { services });
    await api.register(statsRoutes, { services });
  });

  // SPEC §2.2–§2.5 — shopper survey, clinician console, letter verification: HTML, outside the API scope.
  await app.register(humanPages, { services });

  return app;
}
