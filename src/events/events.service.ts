import type { Tx } from '../db/transaction.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';

/** SPEC §3.2 — the event types Qualify emits. */
export type EventType =
  | 'qualification_session.complete'
  | 'qualification_session.processing'
  | 'webhook_endpoint.test';

export interface NewEvent {
  salesChannelId: string;
  type: EventType;
  sessionId: string | null;
  /** The webhook payload: merchant-visible fields only, never health information. */
  data: Record<string, unknown>;
}

export type EventListener = () => void;

/**
 * The transactional outbox (SPEC §3.4): events are rows written in the same transaction as the
 * change that caused them; listeners (the webhook dispatcher) are woken only after it commits.
 */
export class EventsService {
  private readonly listeners: EventListener[] = [];

  constructor(private readonly clock: Clock) {}

  onCommitted(listener: EventListener): void {
    this.listeners.push(listener);
  }

  async record(tx: Tx, event: NewEvent): Promise<string> {
    const id = newId('evt');
    await tx.db
      .insertInto('events')
      .values({
        id,
        sales_channel_id: event.salesChannelId,
        type: event.type,
        session_id: event.sessionId,
        data: JSON.stringify(event.data),
        created_at: this.clock.now(),
      })
      .execute();
    tx.afterCommit(() => {
      for (const listener of this.listeners) listener();
    });
    return id;
  }
}
