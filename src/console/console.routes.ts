import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { FormInput, FormResult } from '../html/forms.js';
import { redirectAfterPost, sendHtml } from '../html/reply.js';
import { randomToken } from '../lib/ids.js';
import { formatVerificationCode } from '../lmn/lmn.code.js';
import type { Services } from '../services.js';
import { diagnosesOf } from '../survey/definition.js';
import {
  ApproveForm,
  type ApproveInput,
  AskForm,
  ProfileForm,
  RejectForm,
  SignInForm,
} from './console.forms.js';
import {
  alreadyReviewedPage,
  previewContent,
  profilePage,
  type ReviewPageOptions,
  reviewPage,
  signInPage,
} from './console.views.js';
import { type ApproveDecision, decisionDigest, queuesOf } from './review.service.js';
import {
  AGE_FILTERS,
  type AgeFilter,
  decidedPage,
  decisionsPage,
  type QueueQuery,
  reviewExtras,
  waitingPage,
  workListPage,
} from './worklist.views.js';

const AGE_MS: Record<Exclude<AgeFilter, ''>, number> = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '72h': 259_200_000,
};

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

  app.get<{ Querystring: { expired?: string; reset?: string } }>(
    '/console',
    { schema: { hide: true } },
    async (request, reply) => {
      const context = await consoleAuth.resolve(request.cookies[SESSION_COOKIE]);
      if (context.state === 'signed_in') return redirectAfterPost(reply, '/console/queue');
      if (context.state === 'mfa_pending') return redirectAfterPost(reply, '/console/mfa');
      const notice =
        request.query.expired !== undefined
          ? `You were signed out after ${IDLE_TIMEOUT_MS / 60_000} minutes without activity.`
          : request.query.reset !== undefined
            ? 'Your password was changed. Sign in with the new one.'
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

  app.get<{
    Querystring: {
      approved?: string;
      code?: string;
      rejected?: string;
      asked?: string;
      queue?: string;
      state?: string;
      age?: string;
      q?: string;
      page?: string;
    };
  }>('/console/queue', { schema: { hide: true } }, async (request, reply) => {
    const context = await signedIn(request, reply);
    if (!context) return reply;
    // A notice after a decision (303 here); shown only for well-formed ids and codes.
    const { approved, rejected, asked, code } = request.query;
    const sessionId = /^qs_[0-9a-f-]{36}$/;
    const notice =
      approved && sessionId.test(approved) && code && /^[0-9A-Z]{10}$/.test(code)
        ? `Approved ${approved}. Letter issued with verification code ${formatVerificationCode(code)}.`
        : rejected && sessionId.test(rejected)
          ? `Rejected ${rejected}.`
          : asked && sessionId.test(asked)
            ? `Question sent. ${asked} waits for the shopper's answer.`
            : undefined;
    // Issue 11 items 4 and 6 — live or sandbox (a sandbox-only account sees the sandbox), filters, pages.
    const queues = queuesOf(context.clinician);
    const wanted = request.query.queue === 'sandbox' ? 'sandbox' : 'live';
    const query: QueueQuery = {
      queue: queues.includes(wanted) ? wanted : queues[0]!,
      state: /^[A-Z]{2}$/.test(request.query.state ?? '') ? request.query.state! : '',
      age: (request.query.age ?? '') in AGE_FILTERS ? (request.query.age as AgeFilter) : '',
      q: (request.query.q ?? '').slice(0, 200),
    };
    const view = await review.queue(context.clinician, {
      queue: query.queue,
      ...(query.state ? { state: query.state } : {}),
      ...(query.age ? { minAgeMs: AGE_MS[query.age] } : {}),
      search: query.q,
      page: Math.min(Math.max(1, Number.parseInt(request.query.page ?? '1', 10) || 1), 1_000_000),
    });
    return sendHtml(
      reply,
      200,
      workListPage({
        clinician: context.clinician,
        csrf: context.csrf,
        view,
        query,
        ...(notice ? { notice } : {}),
      }),
    );
  });

  const showReview = async (
    reply: FastifyReply,
    context: SignedIn,
    sessionId: string,
    status: number,
    extra: Pick<ReviewPageOptions, 'errors' | 'input' | 'preview'> = {},
    askError?: string,
  ) => {
    const view = await review.open(context.clinician, sessionId);
    if (view.state === 'reviewed') {
      return sendHtml(reply, 409, alreadyReviewedPage(context.clinician, context.csrf, view.session.status));
    }
    if (view.state === 'waiting')
      return sendHtml(reply, 200, waitingPage(context.clinician, context.csrf, view.questions));
    return sendHtml(
      reply,
      status,
      reviewPage({
        clinician: context.clinician,
        csrf: context.csrf,
        view,
        definition: survey.definition,
        now: clock.now(),
        license: review.licenseFor(context.clinician, view.session),
        ...extra,
        extras: reviewExtras({
          sessionId: view.session.id,
          csrf: context.csrf,
          questions: view.questions,
          reviewedBy: view.reviewedBy,
          ...(askError ? { askError } : {}),
        }),
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
    act: (
      reply: FastifyReply,
      context: SignedIn,
      id: string,
      values: T,
      input: FormInput<T>,
    ) => Promise<string | FastifyReply>,
  ) =>
    app.post(
      `/console/sessions/:id/${decision}`,
      { schema: { hide: true, params: SessionParams } },
      async (request, reply) => {
        const context = await signedInPost(request, reply);
        if (!context) return reply;
        const id = request.params.id;
        const form = await parse(request.body, context, id);
        if (!form.ok)
          return showReview(reply, context, id, 422, {
            errors: form.errors,
            input: form.input as ApproveInput,
          });
        const done = await act(reply, context, id, form.values, form.input);
        return typeof done === 'string' ? redirectAfterPost(reply, done) : done;
      },
    );

  decisionRoute(
    'approve',
    async (body, context, id) =>
      ApproveForm.parse(body, {
        items: await review.orderItems(context.clinician, id),
        diagnoses: new Set(diagnosesOf(survey.definition).keys()),
      }),
    async (reply, context, id, values, input) => {
      const decision: ApproveDecision = {
        coveredSkus: values.sku,
        validityDays: values.validity_days,
        note: values.note,
        diagnosisCodes: values.diagnosis,
        uses: values.use.map((use, i) => ({ use, duration: values.duration[i] ?? '' })),
      };
      // Issue 11 item 5: the clinician confirms exactly the letter they read; anything else is shown again.
      const digest = decisionDigest(id, decision);
      if (values.action !== 'confirm' || values.previewed !== digest) {
        const preview = await review.preview(context.clinician, id, decision);
        const content = previewContent(preview, context.clinician);
        return showReview(reply, context, id, 200, { input, preview: { content, digest } });
      }
      const letter = await review.approve(context.clinician, id, decision);
      return `/console/queue?approved=${encodeURIComponent(id)}&code=${letter.verification_code}`;
    },
  );

  decisionRoute(
    'reject',
    async (body) => RejectForm.parse(body),
    async (_reply, context, id, values) => {
      await review.reject(context.clinician, id, { reason: values.reason, note: values.note });
      return `/console/queue?rejected=${encodeURIComponent(id)}`;
    },
  );

  // Issue 10 item 3 — the clinician's own profile: practice address and licence numbers.
  app.get('/console/profile', { schema: { hide: true } }, async (request, reply) => {
    const context = await signedIn(request, reply);
    if (!context) return reply;
    return sendHtml(reply, 200, profilePage({ clinician: context.clinician, csrf: context.csrf }));
  });

  app.post('/console/profile', { schema: { hide: true } }, async (request, reply) => {
    const context = await signedInPost(request, reply);
    if (!context) return reply;
    const form = ProfileForm.parse(request.body);
    if (!form.ok) {
      return sendHtml(
        reply,
        422,
        profilePage({
          clinician: context.clinician,
          csrf: context.csrf,
          errors: form.errors,
          input: form.input,
        }),
      );
    }
    const licenses: Record<string, string> = {};
    form.values.license_state.forEach((state, i) => {
      licenses[state] = form.values.license_number[i] ?? '';
    });
    const updated = await services.clinicians.updateProfile(context.clinician, {
      practiceAddress: form.values.practice_address,
      licenses,
    });
    return sendHtml(
      reply,
      200,
      profilePage({ clinician: updated, csrf: context.csrf, notice: 'Your profile was saved.' }),
    );
  });

  // Issue 11 item 5 — "Ask the shopper".
  app.post(
    '/console/sessions/:id/ask',
    { schema: { hide: true, params: SessionParams } },
    async (request, reply) => {
      const context = await signedInPost(request, reply);
      if (!context) return reply;
      const form = AskForm.parse(request.body);
      if (!form.ok)
        return showReview(
          reply,
          context,
          request.params.id,
          422,
          undefined,
          Object.values(form.errors).join(' '),
        );
      await review.ask(context.clinician, request.params.id, form.values.question);
      return redirectAfterPost(reply, `/console/queue?asked=${encodeURIComponent(request.params.id)}`);
    },
  );

  // Issue 11 item 6 — "My decisions", each readable again (audited).
  app.get<{ Querystring: { page?: string } }>(
    '/console/decisions',
    { schema: { hide: true } },
    async (request, reply) => {
      const context = await signedIn(request, reply);
      if (!context) return reply;
      const page = Math.min(Math.max(1, Number.parseInt(request.query.page ?? '1', 10) || 1), 1_000_000);
      const result = await review.decisions(context.clinician, page);
      return sendHtml(
        reply,
        200,
        decisionsPage({ clinician: context.clinician, csrf: context.csrf, result }),
      );
    },
  );

  app.get(
    '/console/decisions/:id',
    { schema: { hide: true, params: SessionParams } },
    async (request, reply) => {
      const context = await signedIn(request, reply);
      if (!context) return reply;
      const view = await review.decided(context.clinician, request.params.id);
      const labels = new Map(survey.definition.conditions.map((c) => [c.id, c.label]));
      return sendHtml(
        reply,
        200,
        decidedPage({
          clinician: context.clinician,
          csrf: context.csrf,
          view,
          conditionLabel: (id) => labels.get(id) ?? id,
        }),
      );
    },
  );
};
