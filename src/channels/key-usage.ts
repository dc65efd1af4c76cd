import type { Clock } from '../lib/clock.js';

/** Issue 12 item 4 — `last_used_at` is coarse: a key's use is written at most once a minute. */
export const KEY_USAGE_RESOLUTION_MS = 60_000;

/**
 * Remembers in memory when each key was last written as used, and batches the keys due for a
 * write into one UPDATE that runs after the request that saw them (never a write per request).
 * Per instance: with several instances a key may be written once a minute by each.
 */
export class KeyUsage {
  private readonly written = new Map<string, number>();
  private pending = new Set<string>();
  private scheduled: Promise<void> | undefined;
  /** Every write started so far, in order: `flush` returns only when they have all finished. */
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly clock: Clock,
    private readonly write: (keyHashes: string[], at: number) => Promise<void>,
  ) {}

  saw(keyHash: string): void {
    const now = this.clock.now();
    const last = this.written.get(keyHash);
    if (last !== undefined && now - last < KEY_USAGE_RESOLUTION_MS) return;
    this.written.set(keyHash, now);
    if (this.written.size > 100_000) this.written.clear();
    this.pending.add(keyHash);
    this.scheduled ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
  }

  /**
   * Writes what is pending now and waits for every write already under way (the scheduled flush may
   * have taken the keys a moment ago); a failed write is dropped (the next use writes again).
   */
  async flush(): Promise<void> {
    this.scheduled = undefined;
    if (this.pending.size > 0) {
      const hashes = [...this.pending];
      this.pending = new Set();
      const at = this.clock.now();
      this.writes = this.writes.then(() =>
        this.write(hashes, at).catch(() => {
          for (const hash of hashes) this.written.delete(hash);
        }),
      );
    }
    await this.writes;
  }
}
