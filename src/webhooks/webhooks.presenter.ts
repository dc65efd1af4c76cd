import { iso } from '../lib/clock.js';
import type { AttemptRow, DeliveryRow } from './deliveries.repository.js';
import type { EndpointRow } from './endpoints.repository.js';
import type { EventType } from './event-types.js';

/** Public JSON of an endpoint (an allow-list: never a secret unless the caller adds it once). */
export function presentEndpoint(row: EndpointRow) {
  return {
    webhook_endpoint_id: row.id,
    sales_channel_id: row.sales_channel_id,
    url: row.url,
    mode: row.mode,
    legacy: row.legacy_marked_at !== null,
    events: JSON.parse(row.events) as EventType[],
    enabled: row.disabled_at === null && row.deleted_at === null,
    disabled_at: iso(row.disabled_at),
    disabled_reason: row.disabled_reason,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}
export type PresentedEndpoint = ReturnType<typeof presentEndpoint>;

export function presentDelivery(row: DeliveryRow) {
  return {
    webhook_delivery_id: row.id,
    webhook_endpoint_id: row.webhook_endpoint_id,
    event_id: row.event_id,
    event_type: row.event_type,
    qualification_session_id: row.session_id,
    status: row.status,
    attempt_count: row.attempt_count,
    next_attempt_at:
      row.status === 'pending' || row.status === 'delivering' ? iso(row.next_attempt_at) : null,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    completed_at: iso(row.completed_at),
  };
}
export type PresentedDelivery = ReturnType<typeof presentDelivery>;

export function presentAttempt(row: AttemptRow) {
  return {
    attempt_number: row.attempt_number,
    attempted_at: iso(row.attempted_at),
    status_code: row.status_code,
    error: row.error,
    duration_ms: row.duration_ms,
    response_body: row.response_body,
  };
}

/** A delivery with its attempts, oldest first (the delivery log, the session page). */
export function presentDeliveryWithAttempts(row: DeliveryRow, attempts: readonly AttemptRow[]) {
  return { ...presentDelivery(row), attempts: attempts.map(presentAttempt) };
}
export type PresentedDeliveryWithAttempts = ReturnType<typeof presentDeliveryWithAttempts>;
