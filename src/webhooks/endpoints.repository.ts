import type { WebhookEndpointSecretTable, WebhookEndpointTable } from '../db/schema.js';
import type { Executor } from '../db/transaction.js';
import { sealedColumn } from '../phi/sealed-column.repository.js';

export type EndpointRow = WebhookEndpointTable;
export type EndpointSecretRow = WebhookEndpointSecretTable;

const ENDPOINT_COLUMNS = [
  'id',
  'sales_channel_id',
  'url',
  'mode',
  'events',
  'created_at',
  'updated_at',
  'disabled_at',
  'disabled_reason',
  'deleted_at',
  'legacy_marked_at',
] as const satisfies readonly (keyof EndpointRow)[];

/** SQL for webhook endpoints and their secrets. A deleted endpoint is kept (its deliveries refer to it). */
/** Webhook secrets, sealed: the server reads them back to sign (issue 13 item 2: listed in `src/phi/sealed-columns.ts`). */
export const SEALED_WEBHOOK_SECRETS = sealedColumn('webhook_endpoint_secrets', 'id', 'secret');

export class EndpointsRepository {
  async insert(db: Executor, row: EndpointRow): Promise<void> {
    await db.insertInto('webhook_endpoints').values(row).execute();
  }

  async insertSecret(db: Executor, row: EndpointSecretRow): Promise<void> {
    await db.insertInto('webhook_endpoint_secrets').values(row).execute();
  }

  async find(db: Executor, id: string): Promise<EndpointRow | undefined> {
    return db
      .selectFrom('webhook_endpoints')
      .select(ENDPOINT_COLUMNS)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  /** Including deleted ones: the dispatcher must see that an endpoint went away. */
  async findAny(db: Executor, id: string): Promise<EndpointRow | undefined> {
    return db
      .selectFrom('webhook_endpoints')
      .select(ENDPOINT_COLUMNS)
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** Including deleted ones, for a batch of claimed deliveries: one read whatever its size. */
  async findManyAny(db: Executor, ids: readonly string[]): Promise<EndpointRow[]> {
    if (ids.length === 0) return [];
    return db.selectFrom('webhook_endpoints').select(ENDPOINT_COLUMNS).where('id', 'in', ids).execute();
  }

  async list(db: Executor, channelId: string | null): Promise<EndpointRow[]> {
    let query = db.selectFrom('webhook_endpoints').select(ENDPOINT_COLUMNS).where('deleted_at', 'is', null);
    if (channelId !== null) query = query.where('sales_channel_id', '=', channelId);
    return query.orderBy('created_at').orderBy('id').execute();
  }

  /** SPEC §3.2 — the endpoints an event of this channel may go to: enabled and not deleted. */
  async enabledInChannel(db: Executor, channelId: string): Promise<EndpointRow[]> {
    return db
      .selectFrom('webhook_endpoints')
      .select(ENDPOINT_COLUMNS)
      .where('sales_channel_id', '=', channelId)
      .where('disabled_at', 'is', null)
      .where('deleted_at', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  /** Issue 9 item 6 — how many endpoints of the channel are enabled (not disabled, not deleted). */
  async countEnabledInChannel(db: Executor, channelId: string): Promise<number> {
    const row = await db
      .selectFrom('webhook_endpoints')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('sales_channel_id', '=', channelId)
      .where('disabled_at', 'is', null)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async update(
    db: Executor,
    id: string,
    patch: Partial<
      Pick<
        EndpointRow,
        | 'disabled_at'
        | 'disabled_reason'
        | 'deleted_at'
        | 'updated_at'
        | 'legacy_marked_at'
        | 'mode'
        | 'events'
      >
    >,
  ): Promise<void> {
    await db.updateTable('webhook_endpoints').set(patch).where('id', '=', id).execute();
  }

  /**
   * Secrets of these endpoints usable at `now`, newest first within each: the current one and any
   * rotated-out one still in its overlap.
   */
  async activeSecrets(db: Executor, endpointIds: string[], now: number): Promise<EndpointSecretRow[]> {
    return db
      .selectFrom('webhook_endpoint_secrets')
      .select(['id', 'webhook_endpoint_id', 'secret', 'created_at', 'expires_at'])
      .where('webhook_endpoint_id', 'in', endpointIds)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
  }

  /** Rotation: the current secret (and any still overlapping) now ends at `expiresAt` at the latest. */
  async expireSecrets(db: Executor, endpointId: string, expiresAt: number): Promise<void> {
    await db
      .updateTable('webhook_endpoint_secrets')
      .set({ expires_at: expiresAt })
      .where('webhook_endpoint_id', '=', endpointId)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', expiresAt)]))
      .execute();
  }
}
