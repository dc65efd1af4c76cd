import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface OutgoingMail {
  /** Stable per outbox row: a receiver that sees one twice can tell. */
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
}

/** Where a message goes: SMTP in production, `.eml` files in development (issue 10 item 2). */
export interface MailTransport {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

const toNodemailer = (mail: OutgoingMail) => ({
  from: mail.from,
  to: mail.to,
  subject: mail.subject,
  text: mail.text,
  messageId: mail.messageId,
});

/** nodemailer over SMTP (`SMTP_URL`), loaded only when the first message goes out. */
export function smtpTransport(url: string): MailTransport {
  let transporter: import('nodemailer').Transporter | undefined;
  return {
    async send(mail) {
      if (!transporter) {
        const nodemailer = await import('nodemailer');
        transporter = nodemailer.createTransport(url);
      }
      await transporter.sendMail(toNodemailer(mail));
    },
    close() {
      transporter?.close();
    },
  };
}

/**
 * Development without `SMTP_URL`: each message is written as `<dir>/<id>.eml` (owner-only, 0600)
 * and `onWritten` gets the path — the log line names the file, never what is in it.
 */
export function fileTransport(dir: string, onWritten: (path: string) => void): MailTransport {
  return {
    async send(mail) {
      const nodemailer = await import('nodemailer');
      const built = await nodemailer
        .createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
        .sendMail(toNodemailer(mail));
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const path = join(dir, `${mail.messageId.replace(/[<>]/g, '').replace(/[^\w.@-]/g, '_')}.eml`);
      writeFileSync(path, built.message as Buffer, { mode: 0o600 });
      onWritten(path);
    },
    close() {},
  };
}
