import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../html/html.js';
import { messagePage } from '../html/layout.js';
import { redirectAfterPost, sendHtml } from '../html/reply.js';
import { randomToken } from '../lib/ids.js';
import { formatVerificationCode } from '../lmn/lmn.code.js';
import type { Services } from '../services.js';
import { REJECTION_REASONS, type RejectionReason } from '../sessions/sessions.vocabulary.js';
import type { FormBody } from '../survey/survey.form.js';
import { alreadyReviewedPage, queuePage, reviewPage, signInPage } from './console.views.js';
import { type ConsoleContext, IDLE_TIMEOUT_MS, sameToken } from './console-auth.service.js';
import { NOTE_MAX } from './review.service.js';

const SESSION_COOKIE = 'qualify_console';
/** Double-submit token for the sign-in form, which has no session yet. */
const SIGN_IN_COOKIE = 'qualify_sign_in';

type SignedIn = Extract<ConsoleContext, { state: 'signed_in' }>;

const text = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value) ?? '';

/** SPEC §2.3 — the clinician console: sign-in, queue, review, approve/reject, sign-out. */
export const consoleRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const { consoleAuth, review, survey, clock } = services;
  const secure = services.config.publicUrl.startsWith('https:');
  const cookieOptions = { path: '/console', httpOnly: true, sameSite: 'lax' as const, secure };

  const signInForm = (
    reply: FastifyReply,
    status: number,
    options: { email?: string; error?: string; notice?: string },
  ) => {
    const csrf = randomToken(24);
    reply.setCookie(SIGN_IN_COOKIE, csrf, { ...cookieOptions, maxAge: 3600 });
    return sendHtml(reply, status, signInPage({ email: options.email ?? '', csrf, ...options }));
  };

  /** The signed-in clinician, or a redirect to the sign-in page (with a notice once idle). */
  const signedIn = async (request: FastifyRequest, reply: FastifyReply): Promise<SignedIn | undefined> => {
    const context = await consoleAuth.resolve(request.cookies[SESSION_COOKIE]);
    if (context.state === 'signed_in') return context;
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    redirectAfterPost(reply, context.state === 'expired' ? '/console?expired=1' : '/console');
    return undefined;
  };

  /** Every POST form carries the session's CSRF token (SPEC §2.3). */
  const checkCsrf = (context: SignedIn, body: FormBody, reply: FastifyReply): boolean => {
    if (sameToken(text(body._csrf), context.csrf)) return true;
    sendHtml(
      reply,
      403,
      messagePage(
        'Form expired',
        html`This form has expired. <a href="/console/queue">Back to the queue</a>.`,
      ),
    );
    return false;
  };

  app.get<{ Querystring: { expired?: string } }>(
    '/console',
    { schema: { hide: true } },
    async (request, reply) => {
      const context = await consoleAuth.resolve(request.cookies[SESSION_COOKIE]);
      if (context.state === 'signed_in') return redirectAfterPost(reply, '/console/queue');
      const notice =
        request.query.expired !== undefined
          ? `You were signed out after ${IDLE_TIMEOUT_MS / 60_000} minutes without activity.`
          : undefined;
      return signInForm(reply, 200, notice ? { notice } : {});
    },
  );

  app.post<{ Body: FormBody }>('/console/sign-in', { schema: { hide: true } }, async (request, reply) => {
    const body = request.body ?? {};
    const email = text(body.email).trim();
    const expected = request.cookies[SIGN_IN_COOKIE];
    if (!expected || !sameToken(text(body._csrf), expected)) {
      return signInForm(reply, 403, { email, error: 'The form expired. Please sign in again.' });
    }
    const signed = await consoleAuth.signIn(email, text(body.password));
    // One message for a wrong email and a wrong password: no account enumeration.
    if (!signed) return signInForm(reply, 401, { email, error: 'Email or password is incorrect.' });
    reply.clearCookie(SIGN_IN_COOKIE, cookieOptions);
    reply.setCookie(SESSION_COOKIE, signed.token, cookieOptions);
    return redirectAfterPost(reply, '/console/queue');
  });

  app.post<{ Body: FormBody }>('/console/sign-out', { schema: { hide: true } }, async (request, reply) => {
    const context = await signedIn(request, reply);
    if (!context || !checkCsrf(context, request.body ?? {}, reply)) return reply;
    await consoleAuth.signOut(context.tokenHash, context.clinician.id);
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    return redirectAfterPost(reply, '/console');
  });

  app.get<{ Querystring: { approved?: string; code?: string; rejected?: string } }>(
    '/console/queue',
    { schema: { hide: true } },
    async (request, reply) => {
      const context = await signedIn(request, reply);
      if (!context) return reply;
      // A notice after a decision (303 here); shown only for well-formed ids and codes.
      const { approved, rejected, code } = request.query;
      const sessionId = /^qs_[0-9a-f-]{36}$/;
      const notice =
        approved && sessionId.test(approved) && code && /^[0-9A-Z]{10}$/.test(code)
          ? `Approved ${approved}. Letter issued with verification code ${formatVerificationCode(code)}.`
          : rejected && sessionId.test(rejected)
            ? `Rejected ${rejected}.`
            : undefined;
      const entries = await review.queue(context.clinician);
      return sendHtml(reply, 200, queuePage(context.clinician, context.csrf, entries, notice));
    },
  );

  const showReview = async (
    reply: FastifyReply,
    context: SignedIn,
    sessionId: string,
    status: number,
    errors?: Record<string, string>,
  ) => {
    const view = await review.open(context.clinician, sessionId);
    if (view.state === 'reviewed') {
      return sendHtml(reply, 409, alreadyReviewedPage(context.clinician, context.csrf, view.session.status));
    }
    return sendHtml(
      reply,
      status,
      reviewPage({
        clinician: context.clinician,
        csrf: context.csrf,
        view,
        definition: survey.definition,
        now: clock.now(),
        ...(errors ? { errors } : {}),
      }),
    );
  };

  app.get<{ Params: { id: string } }>(
    '/console/sessions/:id',
    { schema: { hide: true } },
    async (request, reply) => {
      const context = await signedIn(request, reply);
      if (!context) return reply;
      return showReview(reply, context, request.params.id, 200);
    },
  );

  app.post<{ Params: { id: string }; Body: FormBody }>(
    '/console/sessions/:id/approve',
    { schema: { hide: true } },
    async (request, reply) => {
      const context = await signedIn(request, reply);
      const body = request.body ?? {};
      if (!context || !checkCsrf(context, body, reply)) return reply;
      const skus = body.sku === undefined ? [] : Array.isArray(body.sku) ? body.sku : [body.sku];
      const daysText = text(body.validity_days).trim();
      const decision = {
        coveredSkus: [...new Set(skus)],
        validityDays: /^\d{1,4}$/.test(daysText) ? Number(daysText) : Number.NaN,
        note: text(body.note),
      };
      const errors = await review.validateApprove(context.clinician, request.params.id, decision);
      if (Object.keys(errors).length > 0) return showReview(reply, context, request.params.id, 422, errors);
      const letter = await review.approve(context.clinician, request.params.id, decision);
      return redirectAfterPost(
        reply,
        `/console/queue?approved=${encodeURIComponent(request.params.id)}&code=${letter.verification_code}`,
      );
    },
  );

  app.post<{ Params: { id: string }; Body: FormBody }>(
    '/console/sessions/:id/reject',
    { schema: { hide: true } },
    async (request, reply) => {
      const context = await signedIn(request, reply);
      const body = request.body ?? {};
      if (!context || !checkCsrf(context, body, reply)) return reply;
      const reason = text(body.reason);
      const note = text(body.note);
      const errors: Record<string, string> = {};
      if (!(REJECTION_REASONS as readonly string[]).includes(reason)) errors.reason = 'Choose a reason.';
      if (note.length > NOTE_MAX) errors.note = `Keep the note under ${NOTE_MAX} characters.`;
      if (Object.keys(errors).length > 0) return showReview(reply, context, request.params.id, 422, errors);
      await review.reject(context.clinician, request.params.id, { reason: reason as RejectionReason, note });
      return redirectAfterPost(reply, `/console/queue?rejected=${encodeURIComponent(request.params.id)}`);
    },
  );
};
