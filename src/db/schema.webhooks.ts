import type { EventType } from '../webhooks/event-types.js';
import type { DeliveryStatus, WebhookMode } from '../webhooks/webhooks.vocabulary.js';

/** SPEC §3 — row types of the webhook tables (migration 003). Times are epoch milliseconds. */

/** SPEC §3.1 — `events` is a JSON array of subscribed event types. */
export interface WebhookEndpointTable {
  id: string;
  sales_channel_id: string;
  url: string;
  mode: WebhookMode;
  events: string;
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
  disabled_reason: string | null;
  deleted_at: number | null;
  /** Issue 13 item 7 — an unsigned endpoint explicitly kept in the legacy mode (allowed in production). */
  legacy_marked_at: number | null;
}

/**
 * The current secret has `expires_at` null; a rotated-out one stays valid until its `expires_at`.
 * `secret` is sealed with the service key (AES-256-GCM envelope), never stored in clear.
 */
export interface WebhookEndpointSecretTable {
  id: string;
  webhook_endpoint_id: string;
  secret: string;
  created_at: number;
  expires_at: number | null;
}

/** SPEC §3.4 — the outbox: one row per event × endpoint, claimed under a lease. */
export interface WebhookDeliveryTable {
  id: string;
  event_id: string;
  webhook_endpoint_id: string;
  sales_channel_id: string;
  event_type: EventType;
  session_id: string | null;
  /** The event's `sequence` (migration 008): a delivery waits while an earlier one of its session and endpoint is open. */
  sequence: number | null;
  status: DeliveryStatus;
  attempt_count: number;
  /** Attempts since the delivery was (re)queued: indexes the retry schedule. */
  round_attempts: number;
  next_attempt_at: number | null;
  /** No retry is scheduled after this: 7 days after the event (or after a redelivery request). */
  deadline_at: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  completed_at: number | null;
}

export interface WebhookAttemptTable {
  id: string;
  webhook_delivery_id: string;
  /** 1 for the first attempt of a delivery, 2 for the second, ... */
  attempt_number: number;
  attempted_at: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  response_body: string | null;
  instance_id: string;
}

export interface WebhookTables {
  webhook_endpoints: WebhookEndpointTable;
  webhook_endpoint_secrets: WebhookEndpointSecretTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_attempts: WebhookAttemptTable;
}
