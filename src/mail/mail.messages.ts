import type { SessionRow } from '../sessions/sessions.repository.js';
import { REJECTION_WORDS } from '../survey/survey.views.js';
import type { MailKind } from './mail.vocabulary.js';

export interface MailContext {
  session: SessionRow;
  /** Who the shopper bought from (the sales channel's name). */
  merchant: string;
  /** The shopper's link: it leads to the survey or to the outcome and the patient check. */
  link: string;
}

export interface ComposedMail {
  subject: string;
  text: string;
}

/**
 * Issue 10 item 2 — the four messages. No health information in any of them: no condition, no
 * date of birth, no answer, no question text, never the letter itself — only the outcome and the
 * link, which asks for the date of birth before showing anything.
 */
export function composeMail(kind: MailKind, context: MailContext): ComposedMail {
  const hello = context.session.customer_name ? `Hello ${context.session.customer_name},` : 'Hello,';
  const sign = `\n\n— ${context.merchant}, through Qualify`;
  switch (kind) {
    case 'answers_received':
      return {
        subject: 'We received your answers',
        text: `${hello}\n\nWe received your answers for your purchase from ${context.merchant}. A licensed clinician will review them.\n\nYou can check where your request stands at any time:\n${context.link}${sign}`,
      };
    case 'letter_ready':
      return {
        subject: 'Your Letter of Medical Necessity is ready',
        text: `${hello}\n\nYour purchase from ${context.merchant} was approved and your Letter of Medical Necessity is ready.\n\nOpen it here (you will be asked for your date of birth first):\n${context.link}${sign}`,
      };
    case 'not_approved': {
      const reason = context.session.rejection_reason;
      return {
        subject: 'Your request was not approved',
        text: `${hello}\n\nYour request for a Letter of Medical Necessity for your purchase from ${context.merchant} was not approved.\n\n${reason ? REJECTION_WORDS[reason] : ''}\n\nYou can still complete your purchase without HSA/FSA funds.\n${context.link}${sign}`,
      };
    }
    case 'clinician_question':
      return {
        subject: 'The clinician has a question',
        text: `${hello}\n\nThe clinician reviewing your request for your purchase from ${context.merchant} has a question for you. Open your link to read and answer it (you will be asked for your date of birth first):\n${context.link}${sign}`,
      };
  }
}
