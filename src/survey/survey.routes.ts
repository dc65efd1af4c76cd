import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { redirectAfterPost, sendHtml } from '../html/reply.js';
import { letterPage } from '../lmn/lmn.views.js';
import type { Services } from '../services.js';
import { type FormBody, readSurveyForm } from './survey.form.js';
import type { ShopperPage } from './survey.service.js';
import {
  approvedWithoutLetterPage,
  declinedPage,
  emptySurveyValues,
  inReviewPage,
  rejectedPage,
  submittedPage,
  surveyPage,
} from './survey.views.js';

interface LinkRequest {
  Params: { id: string };
  Querystring: { t?: string; source?: string; skus?: string };
}

/** SPEC §2.2 — the shopper's pages. HTTP only; the survey service holds the rules. */
export const surveyRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const { survey } = services;

  const showPage = (reply: FastifyReply, id: string, token: string, shown: ShopperPage) => {
    switch (shown.kind) {
      case 'form':
        return sendHtml(
          reply,
          200,
          surveyPage({
            sessionId: id,
            token,
            definition: survey.definition,
            values: emptySurveyValues(shown.session.email),
            errors: {},
            customerName: shown.session.customer_name,
          }),
        );
      case 'in_review':
        return sendHtml(reply, 200, inReviewPage());
      case 'approved':
        return sendHtml(
          reply,
          200,
          shown.letter ? letterPage(shown.letter, services.config.publicUrl) : approvedWithoutLetterPage(),
        );
      case 'rejected':
        return sendHtml(reply, 200, rejectedPage());
    }
  };

  app.get<LinkRequest>('/q/:id', { schema: { hide: true } }, async (request, reply) => {
    const { t, source, skus } = request.query;
    const shown = await survey.open(request.params.id, t, { source, skus });
    return showPage(reply, request.params.id, t ?? '', shown);
  });

  app.post<{ Params: { id: string }; Body: FormBody }>(
    '/q/:id',
    { schema: { hide: true } },
    async (request, reply) => {
      const id = request.params.id;
      const body = request.body ?? {};
      const token = typeof body.t === 'string' ? body.t : '';
      if (body.action === 'decline') {
        const declined = await survey.decline(id, token);
        if (declined.page) return showPage(reply, id, token, declined.page);
        return declined.redirect
          ? redirectAfterPost(reply, declined.redirect)
          : sendHtml(reply, 200, declinedPage());
      }
      const values = readSurveyForm(body);
      const outcome = await survey.submit(id, token, values);
      switch (outcome.kind) {
        case 'invalid':
          return sendHtml(
            reply,
            422,
            surveyPage({
              sessionId: id,
              token,
              definition: survey.definition,
              values,
              errors: outcome.errors,
              customerName: outcome.session.customer_name,
            }),
          );
        case 'closed':
          return showPage(reply, id, token, outcome.page);
        case 'submitted':
          return outcome.redirect
            ? redirectAfterPost(reply, outcome.redirect)
            : sendHtml(reply, 200, submittedPage());
      }
    },
  );
};
