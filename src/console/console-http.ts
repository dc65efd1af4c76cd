import type { FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../html/html.js';
import { messagePage } from '../html/layout.js';
import { redirectAfterPost, sendHtml } from '../html/reply.js';
import type { Services } from '../services.js';
import { CsrfForm } from './console.forms.js';
import { type ConsoleContext, sameToken } from './console-auth.service.js';

export const SESSION_COOKIE = 'qualify_console';
/** Double-submit token for the sign-in form, which has no session yet. */
export const SIGN_IN_COOKIE = 'qualify_sign_in';

export type SignedIn = Extract<ConsoleContext, { state: 'signed_in' }>;
export type MfaPending = Extract<ConsoleContext, { state: 'mfa_pending' }>;

/** The console's cookie options and its two guards, shared by the console's route files. */
export function consoleHttp(services: Services) {
  const { consoleAuth } = services;
  const secure = services.config.publicUrl.startsWith('https:');
  const cookieOptions = { path: '/console', httpOnly: true, sameSite: 'lax' as const, secure };

  /** The fully signed-in clinician, or a redirect (sign-in page, or the code step while it is pending). */
  const signedIn = async (request: FastifyRequest, reply: FastifyReply): Promise<SignedIn | undefined> => {
    const context = await consoleAuth.resolve(request.cookies[SESSION_COOKIE]);
    if (context.state === 'signed_in') return context;
    if (context.state === 'mfa_pending') {
      redirectAfterPost(reply, '/console/mfa');
      return undefined;
    }
    reply.clearCookie(SESSION_COOKIE, cookieOptions);
    redirectAfterPost(reply, context.state === 'expired' ? '/console?expired=1' : '/console');
    return undefined;
  };

  const csrfRefused = (reply: FastifyReply) =>
    sendHtml(
      reply,
      403,
      messagePage(
        'Form expired',
        html`This form has expired. <a href="/console/queue">Back to the queue</a>.`,
      ),
    );

  /** Every POST form carries the session's CSRF token (SPEC §2.3): signed in, and the token matches. */
  const signedInPost = async (
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<SignedIn | undefined> => {
    const context = await signedIn(request, reply);
    if (!context) return undefined;
    if (sameToken(CsrfForm.parse(request.body).input._csrf, context.csrf)) return context;
    csrfRefused(reply);
    return undefined;
  };

  /** An admin, signed in: anyone else gets a 404 page (the admin pages do not exist for them). */
  const adminPost = async (request: FastifyRequest, reply: FastifyReply) => {
    const context = await signedInPost(request, reply);
    if (!context) return undefined;
    if (context.clinician.role === 'admin') return context;
    sendHtml(reply, 404, messagePage('Not found', 'There is no such page.'));
    return undefined;
  };
  const adminGet = async (request: FastifyRequest, reply: FastifyReply) => {
    const context = await signedIn(request, reply);
    if (!context) return undefined;
    if (context.clinician.role === 'admin') return context;
    sendHtml(reply, 404, messagePage('Not found', 'There is no such page.'));
    return undefined;
  };

  return { cookieOptions, signedIn, signedInPost, adminGet, adminPost, csrfRefused };
}
