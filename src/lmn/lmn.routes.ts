import type { FastifyPluginAsync } from 'fastify';
import { sendHtml } from '../html/reply.js';
import type { Services } from '../services.js';
import { verificationPage } from './lmn.views.js';

/** SPEC §2.5 — public verification of a letter by its code. */
export const verifyRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  app.get<{ Params: { code: string } }>(
    '/verify/:code',
    { schema: { hide: true } },
    async (request, reply) => {
      const result = await services.lmn.verify(request.params.code);
      return sendHtml(reply, result.status === 'unknown' ? 404 : 200, verificationPage(result));
    },
  );
};
