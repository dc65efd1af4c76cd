import { DAY_MS } from '../lib/clock.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** SPEC §3.4 — delays after the 1st, 2nd, ... failed attempt; every 12 h after the last one. */
export const RETRY_SCHEDULE_MS: readonly number[] = [
  30 * SECOND,
  2 * MINUTE,
  10 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  4 * HOUR,
  8 * HOUR,
];
export const RETRY_EVERY_MS = 12 * HOUR;
export const RETRY_WINDOW_MS = 7 * DAY_MS;
export const JITTER = 0.1;

export interface RetryInput {
  /** Failed attempts so far in this round, including the one that just failed (≥ 1). */
  failedAttempts: number;
  now: number;
  /** No attempt may start after this time (7 days after the event). */
  deadline: number;
  /** Uniform in [0, 1): injected so tests are deterministic. */
  random: () => number;
  /** Milliseconds from a `Retry-After` header on 429/503, when there was one. */
  retryAfterMs?: number | null;
}

/** The un-jittered delay after `failedAttempts` failures. */
export function baseDelay(failedAttempts: number): number {
  return RETRY_SCHEDULE_MS[failedAttempts - 1] ?? RETRY_EVERY_MS;
}

/**
 * When to try again, or null when the delivery has run out of time and is `failed`.
 * The delay is the schedule's, ±10% jitter; a receiver's `Retry-After` replaces it (at least 1 s),
 * since the receiver knows best when it can take the request. Either way, never past the deadline.
 */
export function nextAttemptAt(input: RetryInput): number | null {
  let delay: number;
  if (input.retryAfterMs !== undefined && input.retryAfterMs !== null) {
    delay = Math.max(SECOND, input.retryAfterMs);
  } else {
    const factor = 1 + (input.random() * 2 - 1) * JITTER;
    delay = Math.round(baseDelay(input.failedAttempts) * factor);
  }
  const at = input.now + delay;
  return at > input.deadline ? null : at;
}

/** `Retry-After` as delta-seconds or an HTTP date; milliseconds from `now`, or null when absent/invalid. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * SECOND;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}
