/** SPEC §3 — the closed vocabularies of webhooks; row types, schemas and services derive from these lists. */

/** SPEC §3.3 — signed envelopes, or the legacy flat body with the secret as a header. */
export const WEBHOOK_MODES = ['signed', 'unsigned'] as const;
export type WebhookMode = (typeof WEBHOOK_MODES)[number];

/** SPEC §3.4 — a delivery's status machine. */
export const DELIVERY_STATUSES = ['pending', 'delivering', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** SPEC §4.4 — what one attempt did, as counted by the metrics: `failure` will retry, `failed` gave up, `disabled` was a 410. */
export const DELIVERY_OUTCOMES = ['success', 'failure', 'failed', 'disabled'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];
