import { readFileSync } from 'node:fs';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { answerPage } from '../console/shopper-question.views.js';
import { redirectAfterPost, sendHtml } from '../html/reply.js';
import { LETTER_COOKIE } from '../lmn/letter.routes.js';
import type { Services } from '../services.js';
import { parseOrderItems } from '../sessions/sessions.presenter.js';
import { type SurveyErrors, type SurveyFormInput, submissionOf, surveyForm } from './survey.form.js';
import type { ShopperPage } from './survey.service.js';
import {
  approvedPage,
  declinedPage,
  inReviewPage,
  privacyPage,
  questionCheckPage,
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

  const showPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    token: string,
    shown: ShopperPage,
  ) => {
    switch (shown.kind) {
      case 'form':
        return sendHtml(
          reply,
          200,
          surveyPage({
            sessionId: id,
            token,
            definition: survey.definition,
            input: { email: shown.session.email ?? '', ...(shown.draft as SurveyFormInput | undefined) },
            errors: {},
            customerName: shown.session.customer_name,
            merchant: shown.merchant,
            items: parseOrderItems(shown.session.order_items),
          }),
        );
      case 'in_review':
        return sendHtml(reply, 200, inReviewPage());
      case 'approved':
        return sendHtml(
          reply,
          200,
          approvedPage({
            sessionId: id,
            token,
            open: services.letterAccess.cookieValid(id, request.cookies[LETTER_COOKIE]),
          }),
        );
      case 'rejected':
        return sendHtml(reply, 200, rejectedPage(shown.reason, shown.failureUrl));
    }
  };

  app.get('/q/:id', { schema: { hide: true, params: ShopperLinkParams } }, async (request, reply) => {
    const { t, source, skus } = request.query as LinkQuery;
    const shown = await survey.open(request.params.id, t, { source, skus });
    // Issue 11 item 5 — a session in review with an open question from the clinician: after the
    // patient check (the question is health information), the answer form.
    if (shown.kind === 'in_review') {
      const question = await services.review.openQuestion(request.params.id);
      if (question) {
        const view = { sessionId: request.params.id, token: t ?? '' };
        if (!services.letterAccess.cookieValid(request.params.id, request.cookies[LETTER_COOKIE]))
          return sendHtml(reply, 200, questionCheckPage(view));
        return sendHtml(reply, 200, answerPage({ ...view, question }));
      }
    }
    return showPage(request, reply, request.params.id, t ?? '', shown);
  });

  app.post('/q/:id', { schema: { hide: true, params: ShopperLinkParams } }, async (request, reply) => {
    const id = request.params.id;
    const posted = form.parse(request.body, { now: clock.now() });
    const token = posted.input.t ?? '';
    if (posted.input.action === 'decline') {
      const declined = await survey.decline(id, token);
      if (declined.page) return showPage(request, reply, id, token, declined.page);
      return declined.redirect
        ? redirectAfterPost(reply, declined.redirect)
        : sendHtml(reply, 200, declinedPage());
    }
    // The link first (a bad token is a 403 whatever the form says), then where the session stands.
    const current = await survey.page(id, token);
    if (current.kind !== 'form') return showPage(request, reply, id, token, current);
    const typed = typedAnswers(posted.input);
    const again = (status: number, errors: SurveyErrors, notice?: string) =>
      sendHtml(
        reply,
        status,
        surveyPage({
          sessionId: id,
          token,
          definition: survey.definition,
          input: posted.input,
          errors,
          customerName: current.session.customer_name,
          merchant: current.merchant,
          items: parseOrderItems(current.session.order_items),
          ...(notice ? { notice } : {}),
        }),
      );
    // Issue 10 item 6: what was typed is kept (sealed) until Submit — saved on request and with errors.
    if (posted.input.action === 'save') {
      await survey.saveDraft(id, token, typed);
      return again(
        200,
        {},
        'Your answers are saved. You can reload this page or come back to this link later.',
      );
    }
    if (!posted.ok) {
      await survey.saveDraft(id, token, typed);
      return again(422, posted.errors);
    }
    const outcome = await survey.submit(id, token, submissionOf(posted.values));
    if (outcome.kind === 'closed') return showPage(request, reply, id, token, outcome.page);
    return outcome.redirect
      ? redirectAfterPost(reply, outcome.redirect)
      : sendHtml(reply, 200, submittedPage());
  });

  // Issue 10 item 6 — the privacy notice, from the operator's file or the shipped default.
  const notice = readFileSync(
    services.config.privacyNoticeFile ?? new URL('./privacy-notice.txt', import.meta.url),
    'utf8',
  );
  app.get('/privacy', { schema: { hide: true } }, async (_request, reply) =>
    sendHtml(reply, 200, privacyPage(notice)),
  );
};

/** The answers as typed, without the link token and the button: what a draft keeps. */
function typedAnswers(input: SurveyFormInput): Record<string, string | string[]> {
  const { t: _token, action: _action, ...answers } = input;
  return Object.fromEntries(
    Object.entries(answers).filter((entry): entry is [string, string | string[]] => entry[1] !== undefined),
  );
}
