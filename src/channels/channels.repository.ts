import { likeEscaped, startsWithPattern } from '../db/dialect.js';
import { precompiled } from '../db/precompiled.js';
import type { ApiKeyTable, SalesChannelSettingsTable, SalesChannelTable } from '../db/schema.js';
import type { Executor } from '../db/transaction.js';

export type ChannelRow = SalesChannelTable;
export type ApiKeyRow = ApiKeyTable;
export type ChannelSettingsRow = SalesChannelSettingsTable;

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
   * The channel of an active (not revoked) key, looked up by the key's hash. Runs on every API
   * request and reads the database each time (a revocation, even by the CLI in another process,
   * applies to the very next request), so the query is compiled once.
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
      .select(['id', 'sales_channel_id', 'prefix', 'key_hash', 'created_at', 'revoked_at'])
      .where(likeEscaped('prefix', startsWithPattern(prefix.slice(0, 16))))
      .execute();
  }

  async revokeKey(db: Executor, id: string, at: number): Promise<void> {
    await db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).execute();
  }
}
