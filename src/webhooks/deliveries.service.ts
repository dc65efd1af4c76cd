import type { Database } from '../db/database.js';
import { type Clock, DAY_MS } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import { pagination } from '../sessions/sessions.presenter.js';
import type { Pagination } from '../sessions/sessions.schemas.js';
import { RETRY_WINDOW_MS } from './backoff.js';
import type {
  AttemptRow,
  DeliveriesRepository,
  DeliveryFilter,
  DeliveryPageFilter,
  DeliveryRow,
} from './deliveries.repository.js';
import type { EndpointsRepository } from './endpoints.repository.js';
import { type PresentedDeliveryWithAttempts, presentDeliveryWithAttempts } from './webhooks.presenter.js';

/** SPEC §3.4 — reading the outbox and asking for a delivery to be sent again. */
export class WebhookDeliveriesService {
  private readonly listeners: Array<() => void> = [];

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repo: DeliveriesRepository,
    private readonly endpoints: EndpointsRepository,
  ) {}

  /** Called when a redelivery is queued, so the dispatcher sends it at once. */
  onQueued(listener: () => void): void {
    this.listeners.push(listener);
  }

  async list(filter: Partial<DeliveryFilter>): Promise<DeliveryRow[]> {
    return this.repo.list(this.database.db, { limit: 50, ...filter });
  }

  async get(channelId: string | null, id: string): Promise<DeliveryRow> {
    const row = await this.repo.find(this.database.db, id);
    if (!row || (channelId !== null && row.sales_channel_id !== channelId))
      throw new ApiError('NotFound', `no webhook delivery ${id}`);
    return row;
  }

  async attempts(id: string): Promise<AttemptRow[]> {
    return this.repo.attempts(this.database.db, id);
  }

  /**
   * Sends a delivery again with the same `webhook_delivery_id` (receivers dedupe on it): it goes
   * back to `pending`, due now, with a fresh 7-day window and retry schedule (a delivery waiting
   * for a retry is sent now). One in flight is left as it is. The endpoint must exist and be enabled.
   */
  async redeliver(channelId: string | null, id: string): Promise<DeliveryRow> {
    const row = await this.get(channelId, id);
    const endpoint = await this.endpoints.find(this.database.db, row.webhook_endpoint_id);
    if (!endpoint)
      throw new ApiError('ValidationError', `webhook endpoint ${row.webhook_endpoint_id} was deleted`);
    if (endpoint.disabled_at !== null)
      throw new ApiError(
        'ValidationError',
        `webhook endpoint ${endpoint.id} is disabled (${endpoint.disabled_reason}); enable it first`,
      );
    if (row.status === 'delivering') return row;
    const now = this.clock.now();
    const patch = {
      status: 'pending' as const,
      round_attempts: 0,
      next_attempt_at: now,
      deadline_at: now + RETRY_WINDOW_MS,
      completed_at: null,
      updated_at: now,
    };
    const requeued = await this.repo.requeue(this.database.db, id, patch);
    if (requeued) for (const listener of this.listeners) listener();
    return this.get(channelId, id);
  }

  /**
   * Issue 12 item 3 — one page of a channel's deliveries (an endpoint's log, a session's), each
   * with its attempts; the endpoint must be the channel's (else not found).
   */
  async page(
    filter: DeliveryPageFilter,
    page = 1,
    pageSize = 30,
  ): Promise<{ webhook_deliveries: PresentedDeliveryWithAttempts[]; pagination: Pagination }> {
    const db = this.database.db;
    if (filter.endpointId !== undefined) {
      const endpoint = await this.endpoints.findAny(db, filter.endpointId);
      if (!endpoint || endpoint.sales_channel_id !== filter.channelId)
        throw new ApiError('NotFound', `no webhook endpoint ${filter.endpointId}`);
    }
    const [rows, total] = await Promise.all([
      this.repo.page(db, filter, pageSize, (page - 1) * pageSize),
      this.repo.countPage(db, filter),
    ]);
    const attempts = await this.repo.attemptsOf(
      db,
      rows.map((r) => r.id),
    );
    return {
      webhook_deliveries: rows.map((row) =>
        presentDeliveryWithAttempts(
          row,
          attempts.filter((a) => a.webhook_delivery_id === row.id),
        ),
      ),
      pagination: pagination(page, pageSize, total),
    };
  }

  /** Issue 12 item 3 — the share of an endpoint's attempts in the last 24 h that got a 2xx (null: none). */
  async successRate24h(
    endpointId: string,
  ): Promise<{ attempts: number; succeeded: number; rate: number | null }> {
    const { total, ok } = await this.repo.attemptCounts(
      this.database.db,
      endpointId,
      this.clock.now() - DAY_MS,
    );
    return { attempts: total, succeeded: ok, rate: total === 0 ? null : ok / total };
  }
}
