import { html } from '../html/html.js';
import { page } from '../html/layout.js';
import type { QuestionView } from './review.service.js';
import { QUESTION_MAX } from './review.service.js';

/** Issue 11 item 5 — the shopper's side of "Ask the shopper", on their own link. */
export function answerPage(options: {
  sessionId: string;
  token: string;
  question: QuestionView;
  error?: string;
}): string {
  return page(
    'Your clinician has a question',
    html`<h1>Your clinician has a question</h1>
${options.error ? html`<p class="errors" role="alert">${options.error}</p>` : ''}
<section class="card">
<p>Before deciding, the clinician reviewing your answers asks:</p>
<blockquote id="clinician-question">${options.question.question}</blockquote>
<form method="post" action="/q/${options.sessionId}/answer">
<input type="hidden" name="t" value="${options.token}">
<input type="hidden" name="question_id" value="${options.question.id}">
<label for="answer">Your answer</label>
<textarea id="answer" name="answer" maxlength="${String(QUESTION_MAX)}" required></textarea>
<div class="actions"><button type="submit">Send answer</button></div>
</form>
</section>`,
  );
}

export function answerSentPage(): string {
  return page(
    'Answer sent',
    html`<h1>Answer sent</h1><div class="card" role="status"><p>Thank you. The clinician will continue the review with your answer; you will hear from us when it is done.</p></div>`,
  );
}
