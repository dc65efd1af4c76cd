import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import QRCode from 'qrcode';
import { Type } from 'typebox';
import { messagePage } from '../html/layout.js';
import { redirectAfterPost, sendHtml } from '../html/reply.js';
import type { Services } from '../services.js';
import { codePage, enrolPage, recoveryCodesPage, resetInvalidPage, resetPage } from './account.views.js';
import { CodeForm, ResetForm } from './console.forms.js';
import { LOCKED_MESSAGE } from './console.routes.js';
import { sameToken } from './console-auth.service.js';
import { consoleHttp, type MfaPending, SESSION_COOKIE } from './console-http.js';

const ResetParams = Type.Object({ token: Type.String({ maxLength: 64 }) });

/** Issue 11 items 1 and 2 — the second sign-in step (and first-time enrolment) and password-reset links. */
export const accountRoutes: FastifyPluginAsync<{ services: Services }> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { consoleAuth, clinicians } = services;
  const { cookieOptions, csrfRefused } = consoleHttp(services);

  /** The session waiting for its code; a finished or absent one goes where it belongs. */
  const pending = async (
    request: { cookies: Record<string, string | undefined> },
    reply: Parameters<typeof redirectAfterPost>[0],
  ) => {
    const context = await consoleAuth.resolve(request.cookies[SESSION_COOKIE]);
    if (context.state === 'mfa_pending') return context;
    if (context.state === 'signed_in') redirectAfterPost(reply, '/console/queue');
    else {
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      redirectAfterPost(reply, '/console');
    }
    return undefined;
  };

  const enrolment = async (
    context: MfaPending,
    status: number,
    reply: Parameters<typeof sendHtml>[0],
    error?: string,
  ) => {
    const { secret, uri } = await consoleAuth.beginEnrolment(context.clinician);
    const qrSvg = await QRCode.toString(uri, { type: 'svg', margin: 1, width: 200 });
    return sendHtml(
      reply,
      status,
      enrolPage({
        csrf: context.csrf,
        clinician: context.clinician,
        secret,
        qrSvg,
        ...(error ? { error } : {}),
      }),
    );
  };

  app.get('/console/mfa', { schema: { hide: true } }, async (request, reply) => {
    const context = await pending(request, reply);
    if (!context) return reply;
    if (!context.enrolled) return enrolment(context, 200, reply);
    return sendHtml(reply, 200, codePage({ csrf: context.csrf }));
  });

  app.post('/console/mfa', { schema: { hide: true } }, async (request, reply) => {
    const context = await pending(request, reply);
    if (!context) return reply;
    const { _csrf, code = '' } = CodeForm.parse(request.body).input;
    if (!sameToken(_csrf, context.csrf)) return csrfRefused(reply);
    if (!context.enrolled) {
      const result = await consoleAuth.confirmEnrolment(context, code, request.ip);
      if (result.kind === 'ok') return sendHtml(reply, 200, recoveryCodesPage(result.recoveryCodes));
      if (result.kind === 'locked')
        return sendHtml(reply, 429, messagePage('Sign-in refused', LOCKED_MESSAGE));
      return enrolment(
        context,
        401,
        reply,
        'That code is not right. Check the time on your phone and try the newest code.',
      );
    }
    const result = await consoleAuth.verifyCode(context, code, request.ip);
    if (result === 'ok') return redirectAfterPost(reply, '/console/queue');
    if (result === 'locked')
      return sendHtml(reply, 429, codePage({ csrf: context.csrf, error: LOCKED_MESSAGE }));
    const error =
      result === 'replayed'
        ? 'That code was used already. Wait for the next code in your app.'
        : 'That code is not right. Try the newest code in your app, or a recovery code.';
    return sendHtml(reply, 401, codePage({ csrf: context.csrf, error }));
  });

  app.get(
    '/console/reset/:token',
    { schema: { hide: true, params: ResetParams } },
    async (request, reply) => {
      const target = await clinicians.resetTarget(request.params.token);
      if (!target) return sendHtml(reply, 404, messagePage('Link not valid', resetInvalidPage()));
      return sendHtml(reply, 200, resetPage({ token: request.params.token, email: target.email }));
    },
  );

  app.post(
    '/console/reset/:token',
    { schema: { hide: true, params: ResetParams } },
    async (request, reply) => {
      const token = request.params.token;
      const target = await clinicians.resetTarget(token);
      if (!target) return sendHtml(reply, 404, messagePage('Link not valid', resetInvalidPage()));
      const form = ResetForm.parse(request.body);
      if (!form.ok)
        return sendHtml(reply, 422, resetPage({ token, email: target.email, errors: form.errors }));
      const done = await clinicians.completePasswordReset(token, form.values.password);
      if (!done) return sendHtml(reply, 404, messagePage('Link not valid', resetInvalidPage()));
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return redirectAfterPost(reply, '/console?reset=1');
    },
  );
};
