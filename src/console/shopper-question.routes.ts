import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { defineForm } from '../html/forms.js';
import { messagePage } from '../html/layout.js';
import { sendHtml } from '../html/reply.js';
import { LETTER_COOKIE } from '../lmn/letter.routes.js';
import type { Services } from '../services.js';
import { questionCheckPage } from '../survey/survey.views.js';
import { QUESTION_MAX } from './review.service.js';
import { answerPage, answerSentPage } from './shopper-question.views.js';

const Params = Type.Object({ id: Type.String() });

const AnswerForm = defineForm(
  Type.Object({
    t: Type.String({ default: '' }),
    question_id: Type.String({ default: '', maxLength: 64 }),
    answer: Type.String({
      default: '',
      minLength: 1,
      maxLength: QUESTION_MAX,
      'x-as-typed': true,
      'x-missing': 'Write your answer.',
      'x-invalid': `Keep your answer under ${QUESTION_MAX} characters.`,
    }),
  }),
);

/**
 * Issue 11 item 5 — the shopper answers the clinician's question on their link (the link's token
 * is checked first, as for the survey). The GET side is the survey's page for a session in review.
 */
export const shopperQuestionRoutes: FastifyPluginAsync<{ services: Services }> = async (
  fastify,
  { services },
) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { survey, review } = services;

  app.post('/q/:id/answer', { schema: { hide: true, params: Params } }, async (request, reply) => {
    const id = request.params.id;
    const form = AnswerForm.parse(request.body);
    const token = form.input.t ?? '';
    await survey.page(id, token); // a bad link is a 403 page before anything else
    // The question and the answer are health information: only after the patient check.
    if (!services.letterAccess.cookieValid(id, request.cookies[LETTER_COOKIE]))
      return sendHtml(reply, 403, questionCheckPage({ sessionId: id, token }));
    const question = await review.openQuestion(id);
    if (!question || question.id !== form.input.question_id)
      return sendHtml(
        reply,
        409,
        messagePage('Already answered', 'This question was answered already. Thank you.'),
      );
    if (!form.ok)
      return sendHtml(
        reply,
        422,
        answerPage({ sessionId: id, token, question, error: Object.values(form.errors).join(' ') }),
      );
    const done = await review.answer(id, question.id, form.values.answer);
    if (!done)
      return sendHtml(
        reply,
        409,
        messagePage('Already answered', 'This question was answered already. Thank you.'),
      );
    return sendHtml(reply, 200, answerSentPage());
  });
};
