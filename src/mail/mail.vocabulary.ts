/** Issue 10 item 2 — the messages a shopper gets; `mail_outbox` rows are typed from these lists. */
export const MAIL_KINDS = ['answers_received', 'letter_ready', 'not_approved', 'clinician_question'] as const;
export type MailKind = (typeof MAIL_KINDS)[number];

export const MAIL_STATUSES = ['pending', 'sending', 'sent'] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];
