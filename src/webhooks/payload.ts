import { iso } from '../lib/clock.js';
import { SIGNATURE_HEADER, signatureHeader } from './signing.js';
import type { WebhookMode } from './webhooks.vocabulary.js';

export const USER_AGENT = 'Qualify-Webhooks/1';
export const UNSIGNED_KEY_HEADER = 'x-truemed-api-key';

export interface WebhookMessage {
  deliveryId: string;
  eventType: string;
  eventCreatedAt: number;
  /** Issue 14 item 3 — the event's place among its session's events (from 1); null without a session. */
  sequence: number | null;
  data: Record<string, unknown>;
}

/**
 * SPEC §3.3 — the exact bytes and headers of one delivery attempt.
 * Signed: the envelope (with the event's per-session `sequence`, issue 14 item 3), signed with
 * every active secret. Unsigned (legacy): the flat `data`
 * with the endpoint secret in `x-truemed-api-key`.
 */
export function buildRequest(
  mode: WebhookMode,
  message: WebhookMessage,
  secrets: readonly string[],
  nowMs: number,
): { body: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': USER_AGENT };
  if (mode === 'unsigned') {
    headers[UNSIGNED_KEY_HEADER] = secrets[0] ?? '';
    return { body: JSON.stringify(message.data), headers };
  }
  const body = JSON.stringify({
    webhook_delivery_id: message.deliveryId,
    event_type: message.eventType,
    created_at: iso(message.eventCreatedAt),
    sequence: message.sequence,
    data: message.data,
  });
  headers[SIGNATURE_HEADER] = signatureHeader(secrets, Math.floor(nowMs / 1000), body);
  return { body, headers };
}
