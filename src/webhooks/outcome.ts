import { nextAttemptAt, parseRetryAfter } from './backoff.js';
import type { DeliveryPatch, DeliveryRow } from './deliveries.repository.js';
import type { SendResult } from './sender.js';
import type { DeliveryOutcome } from './webhooks.vocabulary.js';

export interface OutcomeDecision {
  patch: DeliveryPatch;
  /** For metrics; null when the attempt was only interrupted by shutdown. */
  outcome: DeliveryOutcome | null;
  /** SPEC §3.4 — `410 Gone` disables the endpoint. */
  disable: boolean;
}

/**
 * SPEC §3.4 — what one attempt's result does to its delivery: any 2xx succeeds; 410 fails it and
 * disables the endpoint; anything else is retried on the schedule (or at `Retry-After` for
 * 429/503) until the deadline, then fails. A send cut short by shutdown goes back to the queue,
 * due at once, without advancing the schedule.
 */
export function decideOutcome(
  row: Pick<DeliveryRow, 'attempt_count' | 'round_attempts' | 'deadline_at'>,
  result: SendResult,
  context: { now: number; random: () => number; releasedByShutdown: boolean },
): OutcomeDecision {
  const { now } = context;
  const status = result.statusCode;
  const base = {
    attempt_count: row.attempt_count + 1,
    last_status_code: status,
    last_error: result.error,
    updated_at: now,
  };
  if (context.releasedByShutdown) {
    return {
      patch: { ...base, status: 'pending', next_attempt_at: now, last_error: 'aborted by shutdown' },
      outcome: null,
      disable: false,
    };
  }
  if (status !== null && status >= 200 && status < 300) {
    return {
      patch: { ...base, status: 'succeeded', next_attempt_at: null, completed_at: now },
      outcome: 'success',
      disable: false,
    };
  }
  if (status === 410) {
    return {
      patch: { ...base, status: 'failed', next_attempt_at: null, completed_at: now },
      outcome: 'disabled',
      disable: true,
    };
  }
  const failedAttempts = row.round_attempts + 1;
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(result.retryAfter, now) : null;
  const next = nextAttemptAt({
    failedAttempts,
    now,
    deadline: row.deadline_at,
    random: context.random,
    retryAfterMs,
  });
  if (next === null) {
    return {
      patch: {
        ...base,
        round_attempts: failedAttempts,
        status: 'failed',
        next_attempt_at: null,
        completed_at: now,
      },
      outcome: 'failed',
      disable: false,
    };
  }
  return {
    patch: { ...base, round_attempts: failedAttempts, status: 'pending', next_attempt_at: next },
    outcome: 'failure',
    disable: false,
  };
}
