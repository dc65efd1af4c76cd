import type { ChannelRow } from './channels.repository.js';

/**
 * How long a key found active is trusted before the database is asked again. A key revoked
 * anywhere — by the CLI, by another instance — stops working on every instance within this time.
 */
export const KEY_TRUST_MS = 1000;

/** Bounds the map; past it the cache starts over (every key is looked up once more). */
const MAX_KEYS = 10_000;

/**
 * Issue 9 item 4 — the API-key → channel cache of one instance, by the key's hash (the raw key is
 * not kept). Only active keys are cached, never misses, so unknown keys cannot fill it. An entry is
 * trusted while `0 ≤ now − checkedAt < KEY_TRUST_MS` by the injected clock, then revalidated.
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, { channel: ChannelRow; checkedAt: number }>();

  get(keyHash: string, now: number): ChannelRow | undefined {
    const entry = this.entries.get(keyHash);
    if (entry === undefined) return undefined;
    const age = now - entry.checkedAt;
    return age >= 0 && age < KEY_TRUST_MS ? entry.channel : undefined;
  }

  set(keyHash: string, channel: ChannelRow, now: number): void {
    if (this.entries.size >= MAX_KEYS && !this.entries.has(keyHash)) this.entries.clear();
    // One object serves many requests: frozen, so no request can change it for the others.
    this.entries.set(keyHash, { channel: Object.freeze(channel), checkedAt: now });
  }

  delete(keyHash: string): void {
    this.entries.delete(keyHash);
  }
}
