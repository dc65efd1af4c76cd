import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';

/**
 * Issue 13 item 4 — security headers, one policy per page family, set by helmet. Each family's
 * headers are worked out once (`@fastify/helmet` rebuilds its middleware on every request). A
 * scope that serves another family calls `useSecurityHeaders` again; its hook runs after its
 * parent's and replaces what the two share.
 */
export type PageFamily = 'api' | 'pages' | 'docs' | 'dashboard';

/** Nothing may frame any of Qualify's responses (clickjacking). */
const common = { frameAncestors: ["'none'"], baseUri: ["'none'"] };

const CSP: Record<PageFamily, Record<string, string[]>> = {
  // JSON, Prometheus text, errors: nothing to load.
  api: { defaultSrc: ["'none'"], ...common },
  // Server-rendered pages: inline styles only, never scripts. `form-action` is left out on purpose:
  // Chrome applies it to the redirect after a POST, and the survey redirects to the merchant.
  // Images: the merchant's logo on the survey (issue 10 item 6) is an https URL.
  pages: { defaultSrc: ["'none'"], styleSrc: ["'unsafe-inline'"], imgSrc: ["'self'", 'https:'], ...common },
  // Issue 12 — the merchant dashboard: the pages' policy plus its own scripts (the chart library
  // and the page scripts, served from /dashboard/assets), never inline script.
  dashboard: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'unsafe-inline'"],
    imgSrc: ["'self'"],
    ...common,
  },
  // Swagger UI: its bundle, initializer and styles from /docs/static, the document from /docs/json.
  docs: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    formAction: ["'self'"],
    ...common,
  },
};

export interface SecurityHeaderOptions {
  /** Strict-Transport-Security when PUBLIC_URL is https. */
  hsts: boolean;
}

/**
 * The family's headers, worked out once: helmet is run against a stand-in response that records
 * what it sets. Its middleware would otherwise run eleven handlers and eleven `setHeader` calls
 * (each validating its name and value) on every request.
 */
function headersFor(family: PageFamily, options: SecurityHeaderOptions): Record<string, string> {
  const middleware = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: CSP[family] },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: options.hsts ? { maxAge: 31_536_000, includeSubDomains: false } : false,
  });
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string) => {
      headers[name.toLowerCase()] = value;
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let finished = false;
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, () => {
    finished = true;
  });
  // helmet sets every header synchronously; anything else would leave responses without them.
  if (!finished) throw new Error('security headers: helmet did not finish synchronously');
  return headers;
}

export function useSecurityHeaders(
  scope: FastifyInstance,
  family: PageFamily,
  options: SecurityHeaderOptions,
): void {
  const headers = headersFor(family, options);
  scope.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}

/**
 * A reply that turns out to be of another family than its scope (the HTML 404 a browser gets
 * outside the pages scope): sets that family's headers over the scope's (every family sets the
 * same header names).
 */
export function securityHeadersSetter(
  family: PageFamily,
  options: SecurityHeaderOptions,
): (request: FastifyRequest, reply: FastifyReply) => void {
  const headers = headersFor(family, options);
  return (_request, reply) => {
    reply.headers(headers);
  };
}
