import type { DashboardRole } from '../dashboard/dashboard.vocabulary.js';

/** Issue 12 — row types of the merchant dashboard's tables (migration 009). Times are epoch milliseconds. */

export interface DashboardUserTable {
  id: string;
  /** Lower-cased; unique. */
  email: string;
  /** `scrypt$N$r$p$<salt>$<hash>`; null until the user sets a password through their link. */
  password_hash: string | null;
  /** SHA-256 of the one-time set-password token; null once used. */
  password_token_hash: string | null;
  password_token_expires_at: number | null;
  created_at: number;
  updated_at: number;
  disabled_at: number | null;
}

/** One user may belong to several sales channels, with one role in each. */
export interface DashboardMembershipTable {
  user_id: string;
  sales_channel_id: string;
  role: DashboardRole;
  created_at: number;
}

export interface DashboardSessionTable {
  /** SHA-256 of the cookie value. */
  token_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  last_seen_at: number;
  ended_at: number | null;
  /** When the second factor passed, or the sign-in time when none applies; null while the code step is pending (migration 010). */
  mfa_passed_at: number | null;
}

/**
 * Daily rollups of sessions (owned by the sessions repository, written in the transaction of the
 * insert or transition they count): `day` is days since the epoch (UTC); `metric` is
 * `status:<status>` (sessions created that day, by their current status) or `decided:<bucket>`
 * (decisions made that day, by the bucket of their create→decision time). Signed, sharded like
 * `session_counts`: the true value is the sum over the shards.
 */
export interface SessionDailyCountTable {
  sales_channel_id: string;
  day: number;
  metric: string;
  shard: number;
  n: number;
}

export interface DashboardTables {
  dashboard_users: DashboardUserTable;
  dashboard_memberships: DashboardMembershipTable;
  dashboard_sessions: DashboardSessionTable;
  session_daily_counts: SessionDailyCountTable;
}
