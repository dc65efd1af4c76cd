import type { Executor } from '../db/transaction.js';
import type { DeliveriesRepository, DeliveryRow, SendContextRow } from './deliveries.repository.js';
import type { WebhookEndpointsService } from './endpoints.service.js';

/** A claimed delivery's event and endpoint, with the secrets to sign with (newest first). */
export interface SendContext extends SendContextRow {
  secrets: string[];
}

/**
 * What a claimed batch needs to be sent, in two reads whatever its size: every delivery's event
 * and endpoint, then the active secrets of the endpoints still enabled. A delivery missing from
 * the map has no event or endpoint any more.
 */
export async function loadSendContexts(
  db: Executor,
  repo: DeliveriesRepository,
  endpoints: WebhookEndpointsService,
  rows: DeliveryRow[],
  now: number,
): Promise<Map<string, SendContext>> {
  const found = await repo.sendContexts(
    db,
    rows.map((row) => row.id),
  );
  const live = new Set(
    found.filter((c) => c.disabled_at === null && c.deleted_at === null).map((c) => c.endpoint_id),
  );
  const secrets = await endpoints.activeSecrets([...live], now);
  return new Map(found.map((c) => [c.delivery_id, { ...c, secrets: secrets.get(c.endpoint_id) ?? [] }]));
}
