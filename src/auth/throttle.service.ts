import type { Database } from '../db/database.js';
import { transact } from '../db/transaction.js';
import type { Clock } from '../lib/clock.js';
import type { PrincipalKind } from './auth.vocabulary.js';
import type { ThrottleRepository } from './throttle.repository.js';

/** Issue 11 item 3 — 5 failures within 15 minutes lock the subject for 15 minutes. */
export const THROTTLE_MAX_FAILURES = 5;
export const THROTTLE_WINDOW_MS = 15 * 60_000;
export const THROTTLE_LOCK_MS = 15 * 60_000;

/** What is counted: one account, one client address, or one name that matches no account. */
export const throttleSubject = {
  account: (id: string) => `account:${id}`,
  address: (ip: string) => `address:${ip}`,
  unknown: (name: string) => `unknown:${name.trim().toLowerCase().slice(0, 254)}`,
};

export interface FailureCount {
  /** Failures in the current window, this one included. */
  failures: number;
  /** This failure started a lock. */
  locked: boolean;
}

/**
 * Issue 11 item 3 — sign-in throttling, generic over the kind of account. A subject is refused
 * without any delay (no sleep holds a request, so nobody can slow another account's sign-in): the
 * caller asks `lockedUntil` before checking a password and answers 429 while it is locked.
 */
export class SignInThrottle {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repo: ThrottleRepository,
  ) {}

  /** When the latest lock of any of the subjects ends, or null when none is locked now. */
  async lockedUntil(kind: PrincipalKind, subjects: readonly string[]): Promise<number | null> {
    const until = await this.repo.lockedUntil(this.database.db, kind, subjects);
    return until !== null && until > this.clock.now() ? until : null;
  }

  /** Counts one failure against each subject; a fifth within the window locks that subject. */
  async fail(kind: PrincipalKind, subjects: readonly string[]): Promise<FailureCount[]> {
    const now = this.clock.now();
    const counts: FailureCount[] = [];
    for (const subject of subjects) {
      counts.push(
        await transact(this.database, async (tx) => {
          const row = await this.repo.lockRow(tx.db, tx.engine, kind, subject, now);
          const fresh =
            now - Number(row.window_start) >= THROTTLE_WINDOW_MS ||
            (row.locked_until !== null && Number(row.locked_until) <= now);
          const failures = fresh ? 1 : Number(row.failures) + 1;
          const locked = failures >= THROTTLE_MAX_FAILURES;
          await this.repo.save(tx.db, {
            principal_kind: kind,
            subject,
            window_start: fresh ? now : Number(row.window_start),
            failures: locked ? 0 : failures,
            locked_until: locked ? now + THROTTLE_LOCK_MS : null,
          });
          return { failures, locked };
        }),
      );
    }
    return counts;
  }

  /** A successful sign-in forgets the subject's failures. */
  async clear(kind: PrincipalKind, subject: string): Promise<void> {
    await this.repo.clear(this.database.db, kind, subject);
  }
}
