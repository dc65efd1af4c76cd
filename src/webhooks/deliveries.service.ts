import type { Database } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import { RETRY_WINDOW_MS } from './backoff.js';
import type {
  AttemptRow,
  DeliveriesRepository,
  DeliveryFilter,
  DeliveryRow,
} from './deliveries.repository.js';
import type { EndpointsRepository } from './endpoints.repository.js';

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
}
