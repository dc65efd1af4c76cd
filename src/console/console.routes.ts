import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { FormResult } from '../html/forms.js';
import { redirectAfterPost, sendHtml } from '../html/reply.js';
import { randomToken } from '../lib/ids.js';
import { formatVerificationCode } from '../lmn/lmn.code.js';
import type { Services } from '../services.js';
import { ApproveForm, type DecisionErrors, RejectForm, SignInForm } from './console.forms.js';
import { alreadyReviewedPage, queuePage, reviewPage, signInPage } from './console.views.js';
import { IDLE_TIMEOUT_MS, sameToken } from './console-auth.service.js';
import { consoleHttp, SESSION_COOKIE, SIGN_IN_COOKIE, type SignedIn } from './console-http.js';

/** Issue 11 item 3 — the same words whether or not the password typed was right. */
export const LOCKED_MESSAGE = 'Too many failed sign-ins. Try again in 15 minutes.';

const SessionParams = Type.Object({ id: Type.String() });

/** SPEC §2.3 — the clinician console: sign-in, queue, review, approve/reject, sign-out. */
export const consoleRoutes: FastifyPluginAsync<{ services: Services }> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { consoleAuth, review, survey, clock } = services;
  const { cookieOptions, signedIn, signedInPost } = consoleHttp(services);

  const signInForm = (
    reply: FastifyReply,
    status: number,
    options: { email?: string; error?: string; notice?: string },
  ) => {
    const csrf = randomToken(24);
    reply.setCookie(SIGN_IN_COOKIE, csrf, { ...cookieOptions, maxAge: 3600 });
    return sendHtml(reply, status, signInPage({ email: options.email ?? '', csrf, ...options }));
  };

  app.get<{ Querystring: { expired?: string } }>(
    '/console',
    { schema: { hide: true } },
    async (request, reply) => {
      const context = await consoleAuth.resolve(request.cookies[SESSION_COOKIE]);
      if (context.state === 'signed_in') return redirectAfterPost(reply, '/console/queue');
      if (context.state === 'mfa_pending') return redirectAfterPost(reply, '/console/mfa');
      const notice =
        request.query.expired !== undefined
          ? `You were signed out after ${IDLE_TIMEOUT_MS / 60_000} minutes without activity.`
          : undefined;
      return signInForm(reply, 200, notice ? { notice } : {});
    },
  );

  app.post('/console/sign-in', { schema: { hide: true } }, async (request, reply) => {
    const { _csrf, email = '', password = '' } = SignInForm.parse(request.body).input;
    const expected = request.cookies[SIGN_IN_COOKIE];
    if (!expected || !sameToken(_csrf, expected)) {
      return signInForm(reply, 403, { email, error: 'The form expired. Please sign in again.' });
    }
    const signed = await consoleAuth.signIn(email, password, request.ip);
    // Issue 11 item 3 — while locked, one plain answer whatever was typed.
    if (signed.kind === 'locked') return signInForm(reply, 429, { email, error: LOCKED_MESSAGE });
    // One message for a wrong email and a wrong password: no account enumeration.
    if (signed.kind === 'wrong')
      return signInForm(reply, 401, { email, error: 'Email or password is incorrect.' });
    reply.clearCookie(SIGN_IN_COOKIE, cookieOptions);
    reply.setCookie(SESSION_COOKIE, signed.token, cookieOptions);
    return redirectAfterPost(reply, signed.next === 'mfa' ? '/console/mfa' : '/console/queue');
  });

  app.post('/console/sign-out', { schema: { hide: true } }, async (request, reply) => {
    const context = await signedInPost(request, reply);
    if (!context) return reply;
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
    errors?: DecisionErrors,
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

  app.get(
    '/console/sessions/:id',
    { schema: { hide: true, params: SessionParams } },
    async (request, reply) => {
      const context = await signedIn(request, reply);
      if (!context) return reply;
      return showReview(reply, context, request.params.id, 200);
    },
  );

  /**
   * A decision route: signed in with a valid CSRF token, then the form; a form with errors
   * re-renders the review page (422), a valid one is acted on and answered with a 303 to the
   * location `act` returns.
   */
  const decisionRoute = <T>(
    decision: 'approve' | 'reject',
    parse: (body: unknown, context: SignedIn, id: string) => Promise<FormResult<T>>,
    act: (context: SignedIn, id: string, values: T) => Promise<string>,
  ) =>
    app.post(
      `/console/sessions/:id/${decision}`,
      { schema: { hide: true, params: SessionParams } },
      async (request, reply) => {
        const context = await signedInPost(request, reply);
        if (!context) return reply;
        const id = request.params.id;
        const form = await parse(request.body, context, id);
        if (!form.ok) return showReview(reply, context, id, 422, form.errors);
        return redirectAfterPost(reply, await act(context, id, form.values));
      },
    );

  decisionRoute(
    'approve',
    async (body, context, id) =>
      ApproveForm.parse(body, { items: await review.orderItems(context.clinician, id) }),
    async (context, id, values) => {
      const letter = await review.approve(context.clinician, id, {
        coveredSkus: values.sku,
        validityDays: values.validity_days,
        note: values.note,
      });
      return `/console/queue?approved=${encodeURIComponent(id)}&code=${letter.verification_code}`;
    },
  );

  decisionRoute(
    'reject',
    async (body) => RejectForm.parse(body),
    async (context, id, values) => {
      await review.reject(context.clinician, id, { reason: values.reason, note: values.note });
      return `/console/queue?rejected=${encodeURIComponent(id)}`;
    },
  );
};
