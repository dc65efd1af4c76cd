import type { ChannelsRepository } from '../channels/channels.repository.js';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { type Tx, transact } from '../db/transaction.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { sessionLinkToken } from '../lib/tokens.js';
import type { SessionsRepository } from '../sessions/sessions.repository.js';
import { composeMail } from './mail.messages.js';
import type { MailTransport } from './mail.transport.js';
import type { MailKind } from './mail.vocabulary.js';
import type { MailOutboxRepository, MailRow } from './mail-outbox.repository.js';

export interface MailRequest {
  kind: MailKind;
  sessionId: string;
  to: string | null;
  /** Tells two events of one kind apart (a second question); omitted: one message per kind and session. */
  event?: string;
}

/** A send that failed is tried again after this long, doubling up to an hour: never dropped. */
export function mailRetryDelay(attempts: number): number {
  return Math.min(60 * 60_000, 30_000 * 2 ** Math.max(0, attempts - 1));
}

const LEASE_MS = 60_000;
const BATCH = 20;

/**
 * Issue 10 item 2 — email through an outbox, like webhooks: `enqueue` writes a row in the caller's
 * transaction (a transition and its message commit together; the unique dedupe key makes a second
 * enqueue of one event a no-op), and `sendDue` sends after commit, outside any transaction, with a
 * lease so two instances never send one row at once, retrying failures with backoff.
 */
export class MailService {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repos: {
      outbox: MailOutboxRepository;
      sessions: SessionsRepository;
      channels: ChannelsRepository;
    },
    private readonly config: Pick<Config, 'publicUrl' | 'secret' | 'mailFrom' | 'mailDisabled'>,
  ) {}

  async enqueue(tx: Tx, request: MailRequest): Promise<boolean> {
    if (!request.to || this.config.mailDisabled) return false;
    const now = this.clock.now();
    const row: MailRow = {
      id: newId('mail'),
      dedupe_key: [request.kind, request.sessionId, ...(request.event ? [request.event] : [])].join(':'),
      kind: request.kind,
      session_id: request.sessionId,
      recipient: request.to,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      lease_until: null,
      last_error: null,
      created_at: now,
      sent_at: null,
    };
    return this.repos.outbox.insertOnce(tx.db, row);
  }

  /** Sends what is due through `transport`; returns how many were sent. */
  async sendDue(transport: MailTransport): Promise<number> {
    const now = this.clock.now();
    const claimed = await transact(this.database, (tx) =>
      this.repos.outbox.claimDue(tx.db, tx.engine, now, BATCH, now + LEASE_MS),
    );
    let sent = 0;
    for (const row of claimed) {
      try {
        await transport.send(await this.compose(row));
        await this.repos.outbox.markSent(this.database.db, row.id, this.clock.now());
        sent += 1;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        await this.repos.outbox.retryLater(
          this.database.db,
          row.id,
          this.clock.now() + mailRetryDelay(Number(row.attempts)),
          message,
        );
      }
    }
    return sent;
  }

  async forSession(sessionId: string): Promise<MailRow[]> {
    return this.repos.outbox.listForSession(this.database.db, sessionId);
  }

  private async compose(row: MailRow) {
    const session = await this.repos.sessions.find(this.database.db, row.session_id);
    if (!session) throw new Error(`session ${row.session_id} not found`);
    const channel = await this.repos.channels.findChannel(this.database.db, session.sales_channel_id);
    const link = `${this.config.publicUrl}/q/${session.id}?t=${sessionLinkToken(this.config.secret, session.id)}`;
    const { subject, text } = composeMail(row.kind, {
      session,
      merchant: channel?.name ?? 'your store',
      link,
    });
    const domain = new URL(this.config.publicUrl).hostname || 'qualify.local';
    return {
      messageId: `<${row.id}@${domain}>`,
      from: this.config.mailFrom,
      to: row.recipient,
      subject,
      text,
    };
  }
}
