import type { Tx } from '../db/transaction.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { RETRY_WINDOW_MS } from '../webhooks/backoff.js';
import { DeliveriesRepository, type DeliveryRow } from '../webhooks/deliveries.repository.js';
import { EndpointsRepository } from '../webhooks/endpoints.repository.js';
import { subscribes } from '../webhooks/event-types.js';

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
  /** `webhook_endpoint.test` goes to this one endpoint only, subscribed or not. */
  webhookEndpointId?: string;
}

export interface RecordedEvent {
  eventId: string;
  deliveryIds: string[];
}

export type EventListener = () => void;

/**
 * The transactional outbox (SPEC §3.4): an event and one delivery row per enabled, subscribed
 * endpoint of the event's own channel are written in the same transaction as the change that
 * caused them — they commit or vanish together. Listeners (the webhook dispatcher's `wake`)
 * run only after the commit.
 */
export class EventsService {
  private readonly listeners: EventListener[] = [];
  private readonly endpoints = new EndpointsRepository();
  private readonly deliveries = new DeliveriesRepository();

  constructor(private readonly clock: Clock) {}

  onCommitted(listener: EventListener): void {
    this.listeners.push(listener);
  }

  async record(tx: Tx, event: NewEvent): Promise<string> {
    return (await this.recordWithDeliveries(tx, event)).eventId;
  }

  async recordWithDeliveries(tx: Tx, event: NewEvent): Promise<RecordedEvent> {
    const id = newId('evt');
    const now = this.clock.now();
    await tx.db
      .insertInto('events')
      .values({
        id,
        sales_channel_id: event.salesChannelId,
        type: event.type,
        session_id: event.sessionId,
        data: JSON.stringify(event.data),
        created_at: now,
      })
      .execute();

    // SPEC §3.2 — fan-out to this channel's endpoints only, never another channel's.
    const targets = (await this.endpoints.enabledInChannel(tx.db, event.salesChannelId)).filter((endpoint) =>
      event.webhookEndpointId !== undefined
        ? endpoint.id === event.webhookEndpointId
        : subscribes(endpoint.events, event.type),
    );
    const rows: DeliveryRow[] = targets.map((endpoint) => ({
      id: newId('wd'),
      event_id: id,
      webhook_endpoint_id: endpoint.id,
      sales_channel_id: event.salesChannelId,
      event_type: event.type,
      session_id: event.sessionId,
      status: 'pending',
      attempt_count: 0,
      round_attempts: 0,
      next_attempt_at: now,
      deadline_at: now + RETRY_WINDOW_MS,
      lease_owner: null,
      lease_expires_at: null,
      last_status_code: null,
      last_error: null,
      created_at: now,
      updated_at: now,
      completed_at: null,
    }));
    await this.deliveries.insertMany(tx.db, rows);

    tx.afterCommit(() => {
      for (const listener of this.listeners) listener();
    });
    return { eventId: id, deliveryIds: rows.map((r) => r.id) };
  }
}
