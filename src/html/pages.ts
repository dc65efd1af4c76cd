import cookie from '@fastify/cookie';
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import { accountRoutes } from '../console/account.routes.js';
import { adminRoutes } from '../console/admin.routes.js';
import { consoleRoutes } from '../console/console.routes.js';
import { shopperQuestionRoutes } from '../console/shopper-question.routes.js';
import { dashboardRoutes } from '../dashboard/dashboard.routes.js';
import { useIpRateLimits } from '../http/ip-rate-limits.js';
import { useSecurityHeaders } from '../http/security-headers.js';
import { guardPageText } from '../http/text-guard.js';
import { ApiError } from '../lib/errors.js';
import { letterRoutes } from '../lmn/letter.routes.js';
import { verifyRoutes } from '../lmn/lmn.routes.js';
import type { Services } from '../services.js';
import { surveyRoutes } from '../survey/survey.routes.js';
import { useStrictFormBodies } from './form-body.js';
import { frontDoorRoutes } from './front-door.js';
import { messagePage } from './layout.js';
import { sendHtml } from './reply.js';

/**
 * The human side (SPEC §2.2–§2.5): server-rendered pages for the shopper, the clinician console and
 * the public letter verification. Encapsulated: form bodies and cookies are parsed here only, so
 * the merchant API still answers 415 to a form body; errors render as HTML pages.
 */
export const humanPages: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  // Forms only: a JSON or text body on these routes is a 415 page, never half-parsed input.
  app.removeAllContentTypeParsers();
  useStrictFormBodies(app);
  await app.register(cookie);

  useSecurityHeaders(app, 'pages', { hsts: services.config.publicUrl.startsWith('https:') });
  // Issue 13 item 5 — per-IP limits on what anyone can post or probe; a new sign-in page is one route here.
  const limits = services.config.ipRateLimits;
  useIpRateLimits(app, services.clock, [
    {
      name: 'sign-in',
      perMinute: limits.signIn,
      routes: [
        'GET /console',
        'POST /console/sign-in',
        'POST /console/mfa',
        'GET /console/reset/:token',
        'POST /console/reset/:token',
        'GET /dashboard',
        'POST /dashboard/sign-in',
        'POST /dashboard/mfa',
        'POST /dashboard/account/two-step',
        'POST /dashboard/account/two-step/off',
        'POST /dashboard/set-password',
      ],
      counts: 'requests',
    },
    {
      name: 'survey',
      perMinute: limits.surveyPosts,
      routes: ['POST /q/:id', 'POST /q/:id/answer'],
      counts: 'requests',
    },
    {
      name: 'verification',
      perMinute: limits.verify,
      routes: ['GET /verify', 'GET /verify/:code'],
      counts: 'requests',
    },
    // Issue 10 item 5: guessing dates of birth is slowed per address too, on top of the lockout.
    {
      name: 'patient check',
      perMinute: limits.patientCheck,
      routes: ['POST /q/:id/patient-check'],
      counts: 'requests',
    },
  ]);
  // Issue 13 item 6 — no NUL, control character or lone surrogate in a link (path or query).
  guardPageText(app);
  app.addHook('onSend', async (_request, reply, payload) => {
    // Pages carry health information or capability links: never cached anywhere.
    reply.header('cache-control', 'no-store');
    return payload;
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) {
      for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
      if (error.code === 'RateLimited')
        return sendHtml(reply, 429, messagePage('Too many requests', `${error.message}.`));
      if (error.code === 'InvalidStatusTransition') {
        return sendHtml(reply, 409, messagePage('Already reviewed', 'This session was already reviewed.'));
      }
      return sendHtml(reply, error.statusCode, messagePage('Something is not right', error.message));
    }
    if (error.statusCode === 413) {
      return sendHtml(
        reply,
        413,
        messagePage('Too much text', 'Please shorten what you wrote and try again.'),
      );
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return sendHtml(
        reply,
        error.statusCode,
        messagePage('Something is not right', 'The request was not valid.'),
      );
    }
    // The error object only: never the request body (it may hold survey answers).
    request.log.error({ err: error }, 'unhandled error');
    return sendHtml(reply, 500, messagePage('Something went wrong', 'Please try again in a moment.'));
  });

  await app.register(frontDoorRoutes, { services });
  await app.register(surveyRoutes, { services });
  await app.register(shopperQuestionRoutes, { services });
  await app.register(consoleRoutes, { services });
  await app.register(accountRoutes, { services });
  await app.register(adminRoutes, { services });
  await app.register(verifyRoutes, { services });
  await app.register(dashboardRoutes, { services });
  await app.register(letterRoutes, { services });
};
