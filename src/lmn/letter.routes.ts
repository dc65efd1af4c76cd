import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { defineForm } from '../html/forms.js';
import { redirectAfterPost, sendHtml } from '../html/reply.js';
import type { Services } from '../services.js';
import { approvedPage, letterClosedPage, lockedPage, questionCheckPage } from '../survey/survey.views.js';
import { letterPdf } from './letter.pdf.js';
import { letterContent, letterPage } from './lmn.views.js';

/** The patient-check cookie: HttpOnly, scoped to one session's pages, 15 minutes. */
export const LETTER_COOKIE = 'qualify_letter';

const LinkParams = Type.Object({ id: Type.String() });

const PatientCheckForm = defineForm(
  Type.Object({
    t: Type.String({ default: '' }),
    date_of_birth: Type.String({ default: '' }),
  }),
);

/**
 * Issue 10 items 1 and 3 — the patient check, then the letter as a page and as a PDF. The letter's
 * URLs carry no token: only the cookie a passed check sets opens them.
 */
export const letterRoutes: FastifyPluginAsync<{ services: Services }> = async (app, { services }) => {
  const { letterAccess, config } = services;
  const secure = config.publicUrl.startsWith('https:');

  app.post<{ Params: { id: string } }>(
    '/q/:id/patient-check',
    { schema: { hide: true, params: LinkParams } },
    async (request, reply) => {
      const id = request.params.id;
      const { t = '', date_of_birth = '' } = PatientCheckForm.parse(request.body).input;
      const result = await letterAccess.check(id, t, date_of_birth);
      switch (result.kind) {
        case 'passed':
          reply.setCookie(LETTER_COOKIE, result.cookie, {
            path: `/q/${id}`,
            httpOnly: true,
            sameSite: 'strict',
            secure,
            maxAge: result.maxAgeSeconds,
          });
          return redirectAfterPost(
            reply,
            result.opens === 'letter' ? `/q/${id}/letter` : `/q/${id}?t=${encodeURIComponent(t)}`,
          );
        case 'wrong': {
          const view = {
            sessionId: id,
            token: t,
            error:
              date_of_birth.trim() === ''
                ? 'Enter your date of birth.'
                : `That date of birth does not match our records. ${result.triesLeft} ${result.triesLeft === 1 ? 'try' : 'tries'} left.`,
          };
          return sendHtml(
            reply,
            422,
            result.opens === 'letter' ? approvedPage(view) : questionCheckPage(view),
          );
        }
        case 'locked':
          return sendHtml(reply, 429, lockedPage(result.until));
      }
    },
  );

  app.get<{ Params: { id: string } }>(
    '/q/:id/letter',
    { schema: { hide: true, params: LinkParams } },
    async (request, reply) => {
      const id = request.params.id;
      const letter = await letterAccess.letter(id, request.cookies[LETTER_COOKIE], 'html');
      if (!letter) return sendHtml(reply, 403, letterClosedPage());
      return sendHtml(reply, 200, letterPage(letterContent(letter, config.publicUrl), `/q/${id}/letter.pdf`));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/q/:id/letter.pdf',
    { schema: { hide: true, params: LinkParams } },
    async (request, reply) => {
      const id = request.params.id;
      const letter = await letterAccess.letter(id, request.cookies[LETTER_COOKIE], 'pdf');
      if (!letter) return sendHtml(reply, 403, letterClosedPage());
      const pdf = await letterPdf(letterContent(letter, config.publicUrl), config.letterPaper);
      return reply
        .code(200)
        .type('application/pdf')
        .header(
          'content-disposition',
          `attachment; filename="letter-of-medical-necessity-${letter.row.verification_code}.pdf"`,
        )
        .send(pdf);
    },
  );
};
