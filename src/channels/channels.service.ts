import type { Database } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import { newId, randomToken } from '../lib/ids.js';
import { hashApiKey } from '../lib/tokens.js';
import type { ApiKeyRow, ChannelRow, ChannelSettingsRow, ChannelsRepository } from './channels.repository.js';
import { ApiKeyCache } from './key-cache.js';
import { KeyUsage } from './key-usage.js';

function isHttpsUrl(text: string): boolean {
  try {
    return new URL(text).protocol === 'https:' && text.length <= 2048;
  } catch {
    return false;
  }
}

export interface CreatedChannel {
  sales_channel_id: string;
  name: string;
  livemode: boolean;
  api_key: string;
}

export interface CreatedKey {
  sales_channel_id: string;
  key_prefix: string;
  api_key: string;
}

export class OperatorError extends Error {}

/** Issue 10 item 6 — what the survey shows about the merchant; undefined leaves a setting as it is, '' clears it. */
export interface ChannelSettingsInput {
  displayName?: string;
  logoUrl?: string;
  supportEmail?: string;
}

/** How the survey names the merchant. */
export interface ChannelBranding {
  displayName: string;
  logoUrl: string | null;
  supportEmail: string | null;
}

/** Visible part of a key, enough to name it for revocation without revealing it. */
const PREFIX_LENGTH = 16;

export class ChannelsService {
  private readonly keyCache = new ApiKeyCache();
  private readonly usage: KeyUsage;

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repo: ChannelsRepository,
  ) {
    this.usage = new KeyUsage(clock, (hashes, at) => repo.touchKeys(database.db, hashes, at));
  }

  async createChannel(name: string, livemode: boolean): Promise<CreatedChannel> {
    const trimmed = name.trim();
    if (trimmed === '' || trimmed.length > 255) throw new OperatorError('--name must be 1 to 255 characters');
    const channel: ChannelRow = {
      id: newId('sc'),
      name: trimmed,
      livemode: livemode ? 1 : 0,
      created_at: this.clock.now(),
    };
    const apiKey = newApiKey(livemode);
    await this.database.db.transaction().execute(async (trx) => {
      await this.repo.insertChannel(trx, channel);
      await this.repo.insertKey(trx, this.keyRow(channel.id, apiKey));
    });
    return { sales_channel_id: channel.id, name: channel.name, livemode, api_key: apiKey };
  }

  /** Issue 10 item 6 — display name, logo URL (https) and support email, checked and saved. */
  async updateSettings(channelId: string, input: ChannelSettingsInput): Promise<ChannelSettingsRow> {
    const channel = await this.repo.findChannel(this.database.db, channelId);
    if (!channel) throw new OperatorError(`no sales channel ${channelId}`);
    const current = await this.repo.findSettings(this.database.db, channelId);
    const pick = (given: string | undefined, was: string | null | undefined) =>
      given === undefined ? (was ?? null) : given.trim() === '' ? null : given.trim();
    const row: ChannelSettingsRow = {
      sales_channel_id: channelId,
      display_name: pick(input.displayName, current?.display_name),
      logo_url: pick(input.logoUrl, current?.logo_url),
      support_email: pick(input.supportEmail, current?.support_email),
      updated_at: this.clock.now(),
    };
    const problems: string[] = [];
    if (row.display_name !== null && row.display_name.length > 100)
      problems.push('--display-name must be at most 100 characters');
    if (row.logo_url !== null && !isHttpsUrl(row.logo_url))
      problems.push('--logo-url must be an https:// URL');
    if (row.support_email !== null && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(row.support_email))
      problems.push('--support-email must be an email address');
    if (problems.length > 0) throw new OperatorError(problems.join('; '));
    await this.repo.saveSettings(this.database.db, row);
    return row;
  }

  async branding(channelId: string): Promise<ChannelBranding> {
    const [channel, settings] = await Promise.all([
      this.repo.findChannel(this.database.db, channelId),
      this.repo.findSettings(this.database.db, channelId),
    ]);
    return {
      displayName: settings?.display_name ?? channel?.name ?? 'the store',
      logoUrl: settings?.logo_url ?? null,
      supportEmail: settings?.support_email ?? null,
    };
  }

  async createKey(channelId: string): Promise<CreatedKey> {
    const channel = await this.repo.findChannel(this.database.db, channelId);
    if (!channel) throw new OperatorError(`no sales channel ${channelId}`);
    const apiKey = newApiKey(channel.livemode === 1);
    await this.repo.insertKey(this.database.db, this.keyRow(channel.id, apiKey));
    return { sales_channel_id: channel.id, key_prefix: apiKey.slice(0, PREFIX_LENGTH), api_key: apiKey };
  }

  async revokeKey(prefix: string): Promise<{ key_prefix: string; sales_channel_id: string }> {
    if (prefix.length < 10) throw new OperatorError('--key-prefix must be at least 10 characters');
    const matches = (await this.repo.findKeysByPrefix(this.database.db, prefix)).filter(
      // LIKE is case-insensitive on SQLite; keys are not.
      (k) => k.revoked_at === null && k.prefix.startsWith(prefix.slice(0, PREFIX_LENGTH)),
    );
    if (matches.length === 0) throw new OperatorError(`no active key starts with ${prefix}`);
    if (matches.length > 1)
      throw new OperatorError(`${matches.length} keys start with ${prefix}; give more of it`);
    const key = matches[0]!;
    await this.repo.revokeKey(this.database.db, key.id, this.clock.now());
    // This instance at once; every other one when its entry is next revalidated (≤ KEY_TRUST_MS).
    this.keyCache.delete(key.key_hash);
    return { key_prefix: key.prefix, sales_channel_id: key.sales_channel_id };
  }

  async listChannels(): Promise<ChannelRow[]> {
    return this.repo.listChannels(this.database.db);
  }

  async countChannels(): Promise<number> {
    return this.repo.countChannels(this.database.db);
  }

  /**
   * SPEC §1.1 — the channel an API key belongs to, or undefined for a missing, unknown or revoked
   * key. Issue 9 item 4: an active key is read from the database at most once per `KEY_TRUST_MS`
   * per instance, so a revocation made anywhere applies everywhere within that time.
   */
  authenticate(apiKey: string): ChannelRow | undefined | Promise<ChannelRow | undefined> {
    if (apiKey.length === 0 || apiKey.length > 200) return undefined;
    const keyHash = hashApiKey(apiKey);
    const now = this.clock.now();
    const cached = this.keyCache.get(keyHash, now);
    if (cached !== undefined) {
      this.usage.saw(keyHash);
      // Answered at once, without a promise: the API's auth hook settles the common case in place.
      return cached;
    }
    return this.lookUpKey(keyHash, now);
  }

  private async lookUpKey(keyHash: string, now: number): Promise<ChannelRow | undefined> {
    const channel = await this.repo.findChannelByKeyHash(this.database.db, keyHash);
    if (channel === undefined) this.keyCache.delete(keyHash);
    else {
      this.keyCache.set(keyHash, channel, now);
      this.usage.saw(keyHash);
    }
    return channel;
  }

  /** Issue 12 item 4 — a channel's keys (prefix, created, last used, revoked): never a key's value or hash. */
  async listKeys(channelId: string): Promise<ApiKeyRow[]> {
    await this.usage.flush();
    return this.repo.listKeys(this.database.db, channelId);
  }

  /** Revokes one key of this channel by its id; another channel's key is not found. */
  async revokeKeyInChannel(channelId: string, keyId: string): Promise<ApiKeyRow> {
    const key = await this.repo.findKey(this.database.db, keyId);
    if (!key || key.sales_channel_id !== channelId) throw new ApiError('NotFound', `no API key ${keyId}`);
    if (key.revoked_at !== null) return key;
    const now = this.clock.now();
    await this.repo.revokeKey(this.database.db, key.id, now);
    this.keyCache.delete(key.key_hash);
    return { ...key, revoked_at: now };
  }

  async findChannel(id: string): Promise<ChannelRow | undefined> {
    return this.repo.findChannel(this.database.db, id);
  }

  /** Writes the key uses seen so far (tests, and the key list, which should show the latest). */
  async flushKeyUsage(): Promise<void> {
    await this.usage.flush();
  }

  private keyRow(channelId: string, apiKey: string) {
    return {
      id: newId('key'),
      sales_channel_id: channelId,
      prefix: apiKey.slice(0, PREFIX_LENGTH),
      key_hash: hashApiKey(apiKey),
      created_at: this.clock.now(),
      revoked_at: null,
      last_used_at: null,
    };
  }
}

function newApiKey(livemode: boolean): string {
  return `${livemode ? 'qk_live_' : 'qk_test_'}${randomToken(32)}`;
}
