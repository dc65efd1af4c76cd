import type { FastifyPluginAsync } from 'fastify';
import { redirectAfterPost, sendHtml } from '../html/reply.js';
import type { Services } from '../services.js';
import { normalizeVerificationCode } from './lmn.code.js';
import { verificationPage, verifyFormPage } from './lmn.views.js';

/** SPEC §2.5 — public verification of a letter by its code; issue 10 item 5 — a form to type it. */
export const verifyRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.get<{ Querystring: { code?: string } }>(
    '/verify',
    { schema: { hide: true } },
    async (request, reply) => {
      const typed = request.query.code;
      if (typed === undefined) return sendHtml(reply, 200, verifyFormPage());
      const code = typeof typed === 'string' ? normalizeVerificationCode(typed) : undefined;
      if (!code)
        return sendHtml(reply, 422, verifyFormPage('Enter the 10-character code printed on the letter.'));
      return redirectAfterPost(reply, `/verify/${code}`);
    },
  );

  app.get<{ Params: { code: string } }>(
    '/verify/:code',
    { schema: { hide: true } },
    async (request, reply) => {
      const result = await services.lmn.verify(request.params.code);
      return sendHtml(reply, result.status === 'unknown' ? 404 : 200, verificationPage(result));
    },
  );
};
