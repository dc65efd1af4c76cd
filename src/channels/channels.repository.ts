import type { Engine } from '../db/database.js';
import { likeEscaped, lockRows, startsWithPattern } from '../db/dialect.js';
import { precompiled } from '../db/precompiled.js';
import type { ApiKeyTable, SalesChannelSettingsTable, SalesChannelTable } from '../db/schema.js';
import type { Executor } from '../db/transaction.js';

export type ChannelRow = SalesChannelTable;
export type ApiKeyRow = ApiKeyTable;
export type ChannelSettingsRow = SalesChannelSettingsTable;

const KEY_COLUMNS = [
  'id',
  'sales_channel_id',
  'prefix',
  'key_hash',
  'created_at',
  'revoked_at',
  'last_used_at',
] as const satisfies readonly (keyof ApiKeyRow)[];

export class ChannelsRepository {
  async insertChannel(db: Executor, row: ChannelRow): Promise<void> {
    await db.insertInto('sales_channels').values(row).execute();
  }

  /** Issue 10 item 6 — the channel's survey settings, if it set any. */
  async findSettings(db: Executor, channelId: string): Promise<ChannelSettingsRow | undefined> {
    return db
      .selectFrom('sales_channel_settings')
      .select(['sales_channel_id', 'display_name', 'logo_url', 'support_email', 'updated_at'])
      .where('sales_channel_id', '=', channelId)
      .executeTakeFirst();
  }

  async saveSettings(db: Executor, row: ChannelSettingsRow): Promise<void> {
    const { sales_channel_id: _, ...fields } = row;
    await db
      .insertInto('sales_channel_settings')
      .values(row)
      .onConflict((oc) => oc.column('sales_channel_id').doUpdateSet(fields))
      .execute();
  }

  async insertKey(db: Executor, row: ApiKeyRow): Promise<void> {
    await db.insertInto('api_keys').values(row).execute();
  }

  async findChannel(db: Executor, id: string): Promise<ChannelRow | undefined> {
    return db
      .selectFrom('sales_channels')
      .select(['id', 'name', 'livemode', 'created_at'])
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** The channel, its row locked until the transaction ends (PostgreSQL): serialises per-channel limits. */
  async lockChannel(db: Executor, engine: Engine, id: string): Promise<ChannelRow | undefined> {
    return lockRows(
      engine,
      db.selectFrom('sales_channels').select(['id', 'name', 'livemode', 'created_at']).where('id', '=', id),
    ).executeTakeFirst();
  }

  async listChannels(db: Executor): Promise<ChannelRow[]> {
    return db
      .selectFrom('sales_channels')
      .select(['id', 'name', 'livemode', 'created_at'])
      .orderBy('created_at')
      .execute();
  }

  async countChannels(db: Executor): Promise<number> {
    const row = await db
      .selectFrom('sales_channels')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * The channel of an active (not revoked) key, looked up by the key's hash. Runs for an API
   * request whenever the instance's key cache has no fresh entry (`key-cache.ts`), so the query
   * is compiled once.
   */
  findChannelByKeyHash = precompiled<ChannelRow, [keyHash: string]>((db, arg) =>
    db
      .selectFrom('api_keys')
      .innerJoin('sales_channels', 'sales_channels.id', 'api_keys.sales_channel_id')
      .select([
        'sales_channels.id',
        'sales_channels.name',
        'sales_channels.livemode',
        'sales_channels.created_at',
      ])
      .where('api_keys.key_hash', '=', arg(0))
      .where('api_keys.revoked_at', 'is', null),
  );

  async findKeysByPrefix(db: Executor, prefix: string): Promise<ApiKeyRow[]> {
    return db
      .selectFrom('api_keys')
      .select(KEY_COLUMNS)
      .where(likeEscaped('prefix', startsWithPattern(prefix.slice(0, 16))))
      .execute();
  }

  /** Issue 12 item 4 — a channel's keys, newest first (revoked ones too: the list shows them). */
  async listKeys(db: Executor, channelId: string): Promise<ApiKeyRow[]> {
    return db
      .selectFrom('api_keys')
      .select(KEY_COLUMNS)
      .where('sales_channel_id', '=', channelId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  async findKey(db: Executor, id: string): Promise<ApiKeyRow | undefined> {
    return db.selectFrom('api_keys').select(KEY_COLUMNS).where('id', '=', id).executeTakeFirst();
  }

  /** Issue 12 item 4 — one write for a batch of keys seen since the last one; never moves a time back. */
  async touchKeys(db: Executor, keyHashes: readonly string[], at: number): Promise<void> {
    if (keyHashes.length === 0) return;
    await db
      .updateTable('api_keys')
      .set({ last_used_at: at })
      .where('key_hash', 'in', keyHashes)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
      .execute();
  }

  async revokeKey(db: Executor, id: string, at: number): Promise<void> {
    await db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).execute();
  }
}
