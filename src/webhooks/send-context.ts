import type { Executor } from '../db/transaction.js';
import type { EventsRepository } from '../events/events.repository.js';
import type { DeliveryRow } from './deliveries.repository.js';
import type { EndpointsRepository } from './endpoints.repository.js';
import type { WebhookEndpointsService } from './endpoints.service.js';
import type { WebhookMode } from './webhooks.vocabulary.js';

/** A claimed delivery's event and endpoint, with the secrets to sign with (newest first). */
export interface SendContext {
  event_type: string;
  event_data: string;
  event_created_at: number;
  event_sequence: number | null;
  url: string;
  mode: WebhookMode;
  legacy_marked_at: number | null;
  disabled_at: number | null;
  deleted_at: number | null;
  secrets: string[];
}

export interface SendContextSources {
  events: EventsRepository;
  endpoints: EndpointsRepository;
  endpointsService: WebhookEndpointsService;
}

/**
 * What a claimed batch needs to be sent, in three reads whatever its size: the events, the
 * endpoints, then the active secrets of the endpoints still enabled. A delivery missing from the
 * map has no event or endpoint any more.
 */
export async function loadSendContexts(
  db: Executor,
  sources: SendContextSources,
  rows: DeliveryRow[],
  now: number,
): Promise<Map<string, SendContext>> {
  const [events, endpoints] = await Promise.all([
    sources.events.findMany(db, [...new Set(rows.map((row) => row.event_id))]),
    sources.endpoints.findManyAny(db, [...new Set(rows.map((row) => row.webhook_endpoint_id))]),
  ]);
  const eventsById = new Map(events.map((event) => [event.id, event]));
  const endpointsById = new Map(endpoints.map((endpoint) => [endpoint.id, endpoint]));
  const live = endpoints.filter((e) => e.disabled_at === null && e.deleted_at === null).map((e) => e.id);
  const secrets = await sources.endpointsService.activeSecrets(live, now);
  const contexts = new Map<string, SendContext>();
  for (const row of rows) {
    const event = eventsById.get(row.event_id);
    const endpoint = endpointsById.get(row.webhook_endpoint_id);
    if (!event || !endpoint) continue;
    contexts.set(row.id, {
      event_type: event.type,
      event_data: event.data,
      event_created_at: event.created_at,
      event_sequence: event.sequence,
      url: endpoint.url,
      mode: endpoint.mode,
      legacy_marked_at: endpoint.legacy_marked_at,
      disabled_at: endpoint.disabled_at,
      deleted_at: endpoint.deleted_at,
      secrets: secrets.get(endpoint.id) ?? [],
    });
  }
  return contexts;
}
