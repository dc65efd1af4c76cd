import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.js';
import { type Executor, transact } from '../db/transaction.js';
import type { EventsService } from '../events/events.service.js';
import type { Clock } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import { newId } from '../lib/ids.js';
import type { PhiCipher } from '../phi/phi.cipher.js';
import type { Repositories } from '../repositories.js';
import type { EndpointRow, EndpointsRepository } from './endpoints.repository.js';
import { canonicalEvent, DEFAULT_EVENTS } from './event-types.js';
import type { WebhookPolicy } from './policy.js';
import { newWebhookSecret } from './signing.js';
import { assertPublicUrl, BlockedAddressError } from './ssrf.js';
import { WEBHOOK_MODES, type WebhookMode } from './webhooks.vocabulary.js';

/** SPEC §3.3 — after a rotation the previous secret keeps signing for 24 h unless told otherwise. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;
/** Issue 13 item 7 — the longest overlap: a delivery's retries end 7 days after its event. */
export const MAX_ROTATION_OVERLAP_MS = 7 * 24 * 3_600_000;
export const MAX_URL_LENGTH = 2048;
/**
 * Issue 9 item 6 — enabled endpoints per channel. Every event fans out to each of them, and the
 * dispatcher shares its send slots by channel and then by endpoint, so a channel's endpoints share
 * one channel's slots.
 */
export const MAX_ENABLED_ENDPOINTS = 16;

export interface CreateEndpointInput {
  url: string;
  mode?: WebhookMode;
  events?: string[];
  /** Issue 13 item 7 — an unsigned endpoint kept in the legacy mode on purpose (needed in production). */
  legacy?: boolean;
}

export interface EndpointWithSecret {
  endpoint: EndpointRow;
  /** Shown once, at creation or rotation. */
  secret: string;
}

export interface QueuedTest {
  event_id: string;
  webhook_delivery_id: string;
  webhook_endpoint_id: string;
}

/**
 * SPEC §3.1 — webhook endpoints of a sales channel. `channelId` scopes every call made for a
 * merchant (another channel's endpoint is "not found"); the operator's CLI passes null.
 * Secrets are sealed at rest with the service key: the server must read them back to sign.
 */
export class WebhookEndpointsService {
  private readonly repo: EndpointsRepository;

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repos: Pick<Repositories, 'endpoints' | 'deliveries' | 'channels'>,
    private readonly events: EventsService,
    private readonly cipher: PhiCipher,
    private readonly policy: WebhookPolicy,
  ) {
    this.repo = repos.endpoints;
  }

  async create(channelId: string, input: CreateEndpointInput): Promise<EndpointWithSecret> {
    const url = await this.validUrl(input.url);
    const events = validEvents(input.events);
    const mode = input.mode ?? 'signed';
    if (input.legacy && mode !== 'unsigned')
      throw new ApiError('ValidationError', 'legacy applies only to mode "unsigned"');
    if (mode === 'unsigned' && !input.legacy && this.policy.unsignedNeedsLegacyMark)
      throw new ApiError(
        'ValidationError',
        'mode "unsigned" is refused in production unless the endpoint is marked legacy ("legacy": true); prefer signed',
      );
    const now = this.clock.now();
    const endpoint: EndpointRow = {
      id: newId('we'),
      sales_channel_id: channelId,
      url,
      mode,
      events: JSON.stringify(events),
      created_at: now,
      updated_at: now,
      disabled_at: null,
      disabled_reason: null,
      deleted_at: null,
      legacy_marked_at: mode === 'unsigned' && input.legacy ? now : null,
    };
    const secret = newWebhookSecret();
    await transact(this.database, async (tx) => {
      // Locked, so two creates at once cannot both take the last place.
      const channel = await this.repos.channels.lockChannel(tx.db, tx.engine, channelId);
      if (!channel) throw new ApiError('NotFound', `no sales channel ${channelId}`);
      await this.mustHaveRoom(tx.db, channelId);
      await this.repo.insert(tx.db, endpoint);
      await this.insertSecret(tx.db, endpoint.id, secret, now);
    });
    return { endpoint, secret };
  }

  private async mustHaveRoom(db: Executor, channelId: string): Promise<void> {
    const enabled = await this.repo.countEnabledInChannel(db, channelId);
    if (enabled >= MAX_ENABLED_ENDPOINTS)
      throw new ApiError(
        'ValidationError',
        `a sales channel can have at most ${MAX_ENABLED_ENDPOINTS} enabled webhook endpoints and this one has ${enabled}; delete one first`,
      );
  }

  async list(channelId: string | null): Promise<EndpointRow[]> {
    return this.repo.list(this.database.db, channelId);
  }

  async get(channelId: string | null, id: string): Promise<EndpointRow> {
    const endpoint = await this.repo.find(this.database.db, id);
    if (!endpoint || (channelId !== null && endpoint.sales_channel_id !== channelId))
      throw new ApiError('NotFound', `no webhook endpoint ${id}`);
    return endpoint;
  }

  /** Soft delete: the endpoint stops receiving; its queued deliveries fail; history stays. */
  async delete(channelId: string | null, id: string): Promise<EndpointRow> {
    const endpoint = await this.get(channelId, id);
    const now = this.clock.now();
    await transact(this.database, async (tx) => {
      await this.repo.update(tx.db, id, { deleted_at: now, updated_at: now });
      await this.repos.deliveries.failQueuedForEndpoint(tx.db, id, 'webhook endpoint deleted', now);
    });
    return { ...endpoint, deleted_at: now, updated_at: now };
  }

  /**
   * Issue 12 item 3 — changes an endpoint's mode and subscribed events (the rules of `create`:
   * an unsigned endpoint needs the legacy mark in production). Deliveries already queued keep
   * the events they were made for.
   */
  async updateSettings(
    channelId: string,
    id: string,
    input: { mode?: WebhookMode; events?: string[] },
  ): Promise<EndpointRow> {
    const endpoint = await this.get(channelId, id);
    const mode = input.mode ?? endpoint.mode;
    if (!(WEBHOOK_MODES as readonly string[]).includes(mode))
      throw new ApiError('ValidationError', `mode must be one of ${WEBHOOK_MODES.join(', ')}`);
    const events =
      input.events === undefined ? (JSON.parse(endpoint.events) as string[]) : validEvents(input.events);
    const legacy = mode === 'unsigned' ? endpoint.legacy_marked_at : null;
    if (mode === 'unsigned' && legacy === null && this.policy.unsignedNeedsLegacyMark)
      throw new ApiError(
        'ValidationError',
        'mode "unsigned" is refused in production unless the endpoint is marked legacy; prefer signed',
      );
    const now = this.clock.now();
    const patch = { mode, events: JSON.stringify(events), legacy_marked_at: legacy, updated_at: now };
    await this.repo.update(this.database.db, id, patch);
    return { ...endpoint, ...patch };
  }

  /**
   * Issue 12 item 3 — the merchant stops an endpoint: nothing new is queued for it and what waits
   * fails (a redelivery can revive it once it is enabled again).
   */
  async disable(channelId: string, id: string): Promise<EndpointRow> {
    const endpoint = await this.get(channelId, id);
    if (endpoint.disabled_at !== null) return endpoint;
    const now = this.clock.now();
    const reason = 'disabled by the merchant';
    await transact(this.database, async (tx) => {
      await this.repo.update(tx.db, id, { disabled_at: now, disabled_reason: reason, updated_at: now });
      await this.repos.deliveries.failQueuedForEndpoint(tx.db, id, 'webhook endpoint disabled', now);
    });
    return { ...endpoint, disabled_at: now, disabled_reason: reason, updated_at: now };
  }

  /** Issue 12 item 3 — enables one of the channel's endpoints again (after a 410 or a disable). */
  async enableInChannel(channelId: string, id: string): Promise<EndpointRow> {
    await this.get(channelId, id);
    return this.enable(id);
  }

  /** Re-enables an endpoint disabled by a `410 Gone` (operator only). */
  async enable(id: string): Promise<EndpointRow> {
    const endpoint = await this.get(null, id);
    const now = this.clock.now();
    await transact(this.database, async (tx) => {
      await this.repos.channels.lockChannel(tx.db, tx.engine, endpoint.sales_channel_id);
      if (endpoint.disabled_at !== null) await this.mustHaveRoom(tx.db, endpoint.sales_channel_id);
      await this.repo.update(tx.db, id, {
        disabled_at: null,
        disabled_reason: null,
        updated_at: now,
      });
    });
    return { ...endpoint, disabled_at: null, disabled_reason: null, updated_at: now };
  }

  /**
   * SPEC §3.3 — a new current secret; the old ones stay valid (and keep signing) for `overlapMs`,
   * 24 h by default. Issue 13 item 7: 0 retires them at once (a leaked secret).
   */
  async rotateSecret(
    channelId: string | null,
    id: string,
    overlapMs: number = ROTATION_OVERLAP_MS,
  ): Promise<EndpointWithSecret> {
    if (!Number.isInteger(overlapMs) || overlapMs < 0 || overlapMs > MAX_ROTATION_OVERLAP_MS)
      throw new ApiError(
        'ValidationError',
        `overlap must be from 0 to ${MAX_ROTATION_OVERLAP_MS / 1000} seconds (7 days)`,
      );
    const endpoint = await this.get(channelId, id);
    const now = this.clock.now();
    const secret = newWebhookSecret();
    await transact(this.database, async (tx) => {
      await this.repo.expireSecrets(tx.db, id, now + overlapMs);
      await this.insertSecret(tx.db, id, secret, now);
    });
    return { endpoint, secret };
  }

  /** Issue 13 item 7 — the operator keeps an unsigned endpoint in the legacy mode (allowed in production). */
  async markLegacy(id: string): Promise<EndpointRow> {
    const endpoint = await this.get(null, id);
    if (endpoint.mode !== 'unsigned')
      throw new ApiError(
        'ValidationError',
        `webhook endpoint ${id} is signed; only unsigned endpoints are legacy`,
      );
    if (endpoint.legacy_marked_at !== null) return endpoint;
    const now = this.clock.now();
    await this.repo.update(this.database.db, id, { legacy_marked_at: now, updated_at: now });
    return { ...endpoint, legacy_marked_at: now, updated_at: now };
  }

  /** The secrets to sign with at `now` for each of `ids`, newest first (one read for a batch). */
  async activeSecrets(ids: string[], now: number): Promise<Map<string, string[]>> {
    const byEndpoint = new Map<string, string[]>(ids.map((id) => [id, []]));
    if (ids.length === 0) return byEndpoint;
    for (const row of await this.repo.activeSecrets(this.database.db, ids, now))
      byEndpoint.get(row.webhook_endpoint_id)?.push(this.cipher.decrypt(row.secret, secretContext(row.id)));
    return byEndpoint;
  }

  /** SPEC §3.2 — `webhook_endpoint.test` for one endpoint; the dispatcher delivers it. */
  async sendTest(channelId: string | null, id: string): Promise<QueuedTest> {
    const endpoint = await this.get(channelId, id);
    if (endpoint.disabled_at !== null)
      throw new ApiError(
        'ValidationError',
        `webhook endpoint ${id} is disabled (${endpoint.disabled_reason})`,
      );
    const recorded = await transact(this.database, (tx) =>
      this.events.recordWithDeliveries(tx, {
        salesChannelId: endpoint.sales_channel_id,
        type: 'webhook_endpoint.test',
        sessionId: null,
        webhookEndpointId: endpoint.id,
        source: { endpointId: endpoint.id, sentAt: this.clock.now() },
      }),
    );
    const deliveryId = recorded.deliveryIds[0];
    if (!deliveryId) throw new ApiError('NotFound', `no webhook endpoint ${id}`);
    return { event_id: recorded.eventId, webhook_delivery_id: deliveryId, webhook_endpoint_id: endpoint.id };
  }

  private async insertSecret(
    db: Parameters<EndpointsRepository['insertSecret']>[0],
    endpointId: string,
    secret: string,
    now: number,
  ) {
    const secretId = randomUUID();
    await this.repo.insertSecret(db, {
      id: secretId,
      webhook_endpoint_id: endpointId,
      secret: this.cipher.encrypt(secret, secretContext(secretId)),
      created_at: now,
      expires_at: null,
    });
  }

  /**
   * SPEC §3.1/§3.4 — absolute http(s), and (unless allowed) not a private, loopback or metadata
   * address; https only in production (issue 13 item 1). The refusal names no address: the API
   * must not tell a merchant what an internal name resolves to.
   */
  private async validUrl(raw: unknown): Promise<string> {
    if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL_LENGTH)
      throw new ApiError(
        'ValidationError',
        `url must be an absolute http or https URL of at most ${MAX_URL_LENGTH} characters`,
      );
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ApiError('ValidationError', 'url must be an absolute http or https URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ApiError('ValidationError', 'url must be an absolute http or https URL');
    if (url.username || url.password)
      throw new ApiError('ValidationError', 'url must not contain credentials');
    if (this.policy.httpsOnly && url.protocol !== 'https:')
      throw new ApiError('ValidationError', 'url must be an https URL');
    if (!this.policy.allowPrivate) {
      try {
        await assertPublicUrl(url);
      } catch (error) {
        if (error instanceof BlockedAddressError)
          throw new ApiError(
            'ValidationError',
            'url is not allowed: it resolves to a private, loopback, link-local or metadata address',
          );
        throw error;
      }
    }
    // Stored as given (the merchant recognises it); `URL` parsing above proved it well-formed.
    return raw;
  }
}

function validEvents(events: string[] | undefined): string[] {
  if (events === undefined) return [...DEFAULT_EVENTS];
  if (events.length === 0) throw new ApiError('ValidationError', 'events must name at least one event type');
  const canonical = new Set<string>();
  for (const name of events) {
    const type = canonicalEvent(name);
    if (!type) throw new ApiError('ValidationError', `events: unknown event type ${name}`);
    canonical.add(type);
  }
  return [...canonical];
}

function secretContext(secretId: string): string {
  return `webhook_endpoint_secrets.secret:${secretId}`;
}
