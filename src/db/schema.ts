import type { Generated } from 'kysely';
import type { RejectionReason, SessionStatus, TransitionActor } from '../sessions/sessions.vocabulary.js';
import type { EventType } from '../webhooks/event-types.js';
import type { AuthTables } from './schema.auth.js';
import type { DashboardTables } from './schema.dashboard.js';
import type { ReviewTables } from './schema.review.js';
import type { WebhookTables } from './schema.webhooks.js';

/**
 * Row types of every table. Times are epoch milliseconds (bigint columns, numbers in JS) everywhere;
 * JSON is text; "flags" that record an event are nullable timestamps (`revoked_at`).
 */
export interface SalesChannelTable {
  id: string;
  name: string;
  livemode: number;
  created_at: number;
}

/** Issue 10 item 6 — how the survey names the merchant; one row per channel that set any. */
export interface SalesChannelSettingsTable {
  sales_channel_id: string;
  display_name: string | null;
  /** https only. */
  logo_url: string | null;
  support_email: string | null;
  updated_at: number;
}

export interface ApiKeyTable {
  id: string;
  sales_channel_id: string;
  prefix: string;
  key_hash: string;
  created_at: number;
  revoked_at: number | null;
  /** Issue 12 item 4 — coarse: written at most once a minute per key. */
  last_used_at: number | null;
}

export interface QualificationSessionTable {
  id: string;
  sales_channel_id: string;
  livemode: number;
  status: SessionStatus;
  created_at: number;
  updated_at: number;
  email: string | null;
  customer_name: string | null;
  user_id: string | null;
  source: string | null;
  skus_param: string | null;
  metadata: string | null;
  success_url: string | null;
  failure_url: string | null;
  /** JSON array of `{sku, name, price, quantity}`. */
  order_items: string;
  eligible_amount: number | null;
  expires_at: number | null;
  lmn_reviewed_at: number | null;
  rejection_reason: RejectionReason | null;
  /** US state of residence from the survey: needed in clear text to route the review queue. */
  shopper_state: string | null;
  submitted_at: number | null;
  /** Issue 11 item 5 — a clinician's question is open: out of the queue until the shopper answers. */
  awaiting_shopper_since: number | null;
  /** Issue 11 item 5 — the shopper answered: back at the top of the queue. */
  requeued_at: number | null;
  /** Lower-cased email, customer_name, user_id, source and id, for the list `search` filter. */
  search_text: string;
}

export interface IdempotencyKeyTable {
  scope: string;
  key: string;
  fingerprint: string;
  status_code: number;
  response_body: string;
  created_at: number;
}

export interface SessionTransitionTable {
  id: string;
  session_id: string;
  from_status: SessionStatus;
  to_status: SessionStatus;
  actor: TransitionActor;
  actor_id: string | null;
  created_at: number;
}

export interface EventTable {
  id: string;
  sales_channel_id: string;
  type: EventType;
  session_id: string | null;
  /** Issue 14 item 3 — the event's place among its session's events, from 1 (migration 008); null without a session. */
  sequence: number | null;
  data: string;
  created_at: number;
}

/** Per (channel, status, shard) signed session counts; see migration 004. */
export interface SessionCountTable {
  sales_channel_id: string;
  status: SessionStatus;
  shard: number;
  n: number;
}

/** Issue 13 item 2 — the check value of the secret this database's sealed values belong to. */
export interface KeyCheckTable {
  id: string;
  check_value: string;
  created_at: number;
  updated_at: number;
}

export interface DB extends ReviewTables, WebhookTables, DashboardTables, AuthTables {
  sales_channel_settings: SalesChannelSettingsTable;
  sales_channels: SalesChannelTable;
  api_keys: ApiKeyTable;
  qualification_sessions: QualificationSessionTable;
  idempotency_keys: IdempotencyKeyTable;
  session_transitions: SessionTransitionTable;
  events: EventTable;
  session_counts: SessionCountTable;
  key_checks: KeyCheckTable;
}

export type * from './schema.auth.js';
export type * from './schema.dashboard.js';
export type * from './schema.webhooks.js';
export type { Generated };
