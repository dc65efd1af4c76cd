import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { answerPage } from '../console/shopper-question.views.js';
import { redirectAfterPost, sendHtml } from '../html/reply.js';
import { letterPage } from '../lmn/lmn.views.js';
import type { Services } from '../services.js';
import { submissionOf, surveyForm } from './survey.form.js';
import type { ShopperPage } from './survey.service.js';
import {
  approvedWithoutLetterPage,
  declinedPage,
  inReviewPage,
  rejectedPage,
  submittedPage,
  surveyPage,
} from './survey.views.js';

// No length limit: an unknown or over-long id is a "not valid" link page, as for any bad link.
const ShopperLinkParams = Type.Object({ id: Type.String() });

interface LinkQuery {
  t?: string;
  source?: string;
  skus?: string;
}

/** SPEC §2.2 — the shopper's pages. HTTP only: the form is validated by its schema, the survey service holds the rules. */
export const surveyRoutes: FastifyPluginAsync<{ services: Services }> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { survey, clock } = services;
  const form = surveyForm(survey.definition);

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
            input: { email: shown.session.email ?? '' },
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

  app.get('/q/:id', { schema: { hide: true, params: ShopperLinkParams } }, async (request, reply) => {
    const { t, source, skus } = request.query as LinkQuery;
    const shown = await survey.open(request.params.id, t, { source, skus });
    // Issue 11 item 5 — a session in review with an open question from the clinician: the answer form.
    if (shown.kind === 'in_review') {
      const question = await services.review.openQuestion(request.params.id);
      if (question)
        return sendHtml(reply, 200, answerPage({ sessionId: request.params.id, token: t ?? '', question }));
    }
    return showPage(reply, request.params.id, t ?? '', shown);
  });

  app.post('/q/:id', { schema: { hide: true, params: ShopperLinkParams } }, async (request, reply) => {
    const id = request.params.id;
    const posted = form.parse(request.body, { now: clock.now() });
    const token = posted.input.t ?? '';
    if (posted.input.action === 'decline') {
      const declined = await survey.decline(id, token);
      if (declined.page) return showPage(reply, id, token, declined.page);
      return declined.redirect
        ? redirectAfterPost(reply, declined.redirect)
        : sendHtml(reply, 200, declinedPage());
    }
    // The link first (a bad token is a 403 whatever the form says), then where the session stands.
    const current = await survey.page(id, token);
    if (current.kind !== 'form') return showPage(reply, id, token, current);
    if (!posted.ok) {
      return sendHtml(
        reply,
        422,
        surveyPage({
          sessionId: id,
          token,
          definition: survey.definition,
          input: posted.input,
          errors: posted.errors,
          customerName: current.session.customer_name,
        }),
      );
    }
    const outcome = await survey.submit(id, token, submissionOf(posted.values));
    if (outcome.kind === 'closed') return showPage(reply, id, token, outcome.page);
    return outcome.redirect
      ? redirectAfterPost(reply, outcome.redirect)
      : sendHtml(reply, 200, submittedPage());
  });
};
