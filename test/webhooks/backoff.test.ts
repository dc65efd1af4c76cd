import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DAY_MS } from '../../src/lib/clock.js';
import { baseDelay, nextAttemptAt, parseRetryAfter, RETRY_WINDOW_MS } from '../../src/webhooks/backoff.js';

const S = 1000;
const H = 3_600_000;

describe('retry schedule (SPEC §3.4)', () => {
  it('waits 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, then every 12 h', () => {
    assert.deepEqual(
      Array.from({ length: 11 }, (_, i) => baseDelay(i + 1)),
      [30 * S, 120 * S, 600 * S, 1800 * S, H, 2 * H, 4 * H, 8 * H, 12 * H, 12 * H, 12 * H],
    );
  });

  it('jitters each delay by at most ±10%', () => {
    const now = 1_000_000;
    const deadline = now + RETRY_WINDOW_MS;
    for (let attempt = 1; attempt <= 12; attempt++) {
      const base = baseDelay(attempt);
      const low = nextAttemptAt({ failedAttempts: attempt, now, deadline, random: () => 0 })! - now;
      const high = nextAttemptAt({ failedAttempts: attempt, now, deadline, random: () => 0.999999 })! - now;
      const mid = nextAttemptAt({ failedAttempts: attempt, now, deadline, random: () => 0.5 })! - now;
      assert.equal(low, Math.round(base * 0.9));
      assert.ok(high <= Math.round(base * 1.1) && high > base * 1.09, `${attempt}: ${high}`);
      assert.equal(mid, base);
    }
  });

  it('gives up (null) when the next attempt would fall after 7 days from the event', () => {
    const event = 0;
    const deadline = event + 7 * DAY_MS;
    assert.equal(
      nextAttemptAt({ failedAttempts: 20, now: deadline - 11 * H, deadline, random: () => 0.5 }),
      null,
    );
    assert.equal(
      nextAttemptAt({ failedAttempts: 20, now: deadline - 12 * H, deadline, random: () => 0.5 }),
      deadline,
    );
  });

  it('lets Retry-After replace the delay, at least 1 s, within the deadline', () => {
    const now = 0;
    const deadline = 7 * DAY_MS;
    const at = (retryAfterMs: number) =>
      nextAttemptAt({ failedAttempts: 1, now, deadline, random: () => 0, retryAfterMs });
    assert.equal(at(120 * S), 120 * S);
    assert.equal(at(0), S);
    assert.equal(at(8 * DAY_MS), null);
    assert.equal(parseRetryAfter('120', now), 120 * S);
    assert.equal(parseRetryAfter(new Date(90 * S).toUTCString(), now), 90 * S);
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter(undefined, now), null);
  });
});
