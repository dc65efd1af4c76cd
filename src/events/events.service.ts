import type { Notifications } from '../db/notifications.js';
import type { Tx } from '../db/transaction.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { RETRY_WINDOW_MS } from '../webhooks/backoff.js';
import type { DeliveriesRepository, DeliveryRow } from '../webhooks/deliveries.repository.js';
import type { EndpointsRepository } from '../webhooks/endpoints.repository.js';
import { type EventSource, type EventType, eventData, subscribes } from '../webhooks/event-types.js';
import type { EventsRepository } from './events.repository.js';

export interface NewEvent<T extends EventType> {
  salesChannelId: string;
  type: T;
  sessionId: string | null;
  /** What the type's payload builder (`webhooks/event-types.ts`) makes the webhook `data` from. */
  source: EventSource<T>;
  /** `webhook_endpoint.test` goes to this one endpoint only, subscribed or not. */
  webhookEndpointId?: string;
}

export interface RecordedEvent {
  eventId: string;
  deliveryIds: string[];
}

/**
 * The transactional outbox (SPEC §3.4): an event and one delivery row per enabled, subscribed
 * endpoint of the event's own channel are written in the same transaction as the change that
 * caused them — they commit or vanish together. The `events` notification (issue 9 item 5) tells
 * the dispatchers of this and every other instance once the transaction has committed.
 */
export class EventsService {
  constructor(
    private readonly clock: Clock,
    private readonly repos: {
      events: EventsRepository;
      endpoints: EndpointsRepository;
      deliveries: DeliveriesRepository;
    },
    private readonly notifications: Notifications,
  ) {}

  async record<T extends EventType>(tx: Tx, event: NewEvent<T>): Promise<string> {
    return (await this.recordWithDeliveries(tx, event)).eventId;
  }

  async recordWithDeliveries<T extends EventType>(tx: Tx, event: NewEvent<T>): Promise<RecordedEvent> {
    const id = newId('evt');
    const now = this.clock.now();
    const sequence = await this.repos.events.insert(tx.db, {
      id,
      sales_channel_id: event.salesChannelId,
      type: event.type,
      session_id: event.sessionId,
      data: JSON.stringify(eventData(event.type, event.source)),
      created_at: now,
    });

    // SPEC §3.2 — fan-out to this channel's endpoints only, never another channel's.
    const targets = (await this.repos.endpoints.enabledInChannel(tx.db, event.salesChannelId)).filter(
      (endpoint) =>
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
      sequence,
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
    await this.repos.deliveries.insertMany(tx.db, rows);

    if (rows.length > 0) await this.notifications.publish(tx, 'events');
    return { eventId: id, deliveryIds: rows.map((r) => r.id) };
  }
}
