import type { FastifyPluginAsync } from 'fastify';
import { sendHtml } from '../html/reply.js';
import type { Services } from '../services.js';
import { verificationPage, verifyFormPage } from './lmn.views.js';

/** SPEC §2.5 — public verification of a letter by its code. */
export const verifyRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  // The form's GET `?code=` goes on to the letter's own address.
  app.get<{ Querystring: { code?: string } }>(
    '/verify',
    { schema: { hide: true } },
    async (request, reply) => {
      const code = typeof request.query.code === 'string' ? request.query.code.trim() : '';
      if (code === '') return sendHtml(reply, 200, verifyFormPage());
      return reply.redirect(`/verify/${encodeURIComponent(code)}`, 303);
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
