import { Counter, Gauge, Registry } from 'prom-client';
import type { Database } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import type { SessionsRepository } from '../sessions/sessions.repository.js';
import type { DeliveriesRepository } from '../webhooks/deliveries.repository.js';
import { DELIVERY_OUTCOMES, type DeliveryOutcome } from '../webhooks/webhooks.vocabulary.js';
import { RequestMetrics } from './request-metrics.js';

/**
 * SPEC §4.4 — Prometheus metrics. Each app has a registry of its own (never prom-client's global
 * one) so several apps in one process, as in the tests, do not collide. Queue gauges are read from
 * the database at scrape time: they are true across instances and survive restarts.
 */
export class MetricsService {
  readonly registry = new Registry();
  private readonly requests: RequestMetrics;
  private readonly deliveries: Counter<'outcome'>;

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repos: { sessions: SessionsRepository; deliveries: DeliveriesRepository },
  ) {
    const registers = [this.registry];
    this.requests = new RequestMetrics(this.registry);
    this.deliveries = new Counter({
      name: 'qualify_webhook_delivery_attempts_total',
      help: 'Webhook delivery attempts by outcome (success, failure = will retry, failed = gave up, disabled = 410)',
      labelNames: ['outcome'],
      registers,
    });
    for (const outcome of DELIVERY_OUTCOMES) this.deliveries.labels(outcome).inc(0);
    this.registerQueueGauges(registers);
    new Gauge({
      name: 'qualify_process_resident_memory_bytes',
      help: 'Resident set size of the server process',
      registers,
      collect() {
        this.set(process.memoryUsage.rss());
      },
    });
  }

  /**
   * One answered request. `route` is the route pattern (never the raw URL, which would carry ids
   * and make the label set unbounded); requests that matched no route are counted as `unmatched`.
   */
  observeRequest(method: string, route: string | undefined, status: number, seconds: number): void {
    this.requests.observe(method, route, status, seconds);
  }

  /** Called by the webhook dispatcher after each attempt. */
  observeDelivery(outcome: DeliveryOutcome): void {
    this.deliveries.labels(outcome).inc();
  }

  contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  private registerQueueGauges(registers: Registry[]): void {
    const { database, clock } = this;
    const { sessions, deliveries } = this.repos;
    new Gauge({
      name: 'qualify_review_queue_depth',
      help: 'Sessions waiting for a clinician (status processing)',
      registers,
      async collect() {
        this.set((await sessions.reviewQueueState(database.db)).depth);
      },
    });
    new Gauge({
      name: 'qualify_review_queue_oldest_age_seconds',
      help: 'Age of the oldest session waiting for a clinician; 0 when the queue is empty',
      registers,
      async collect() {
        const { oldest } = await sessions.reviewQueueState(database.db);
        this.set(oldest === null ? 0 : Math.max(0, (clock.now() - oldest) / 1000));
      },
    });
    new Gauge({
      name: 'qualify_webhook_queue_depth',
      help: 'Webhook deliveries waiting for their next attempt',
      registers,
      async collect() {
        this.set((await deliveries.queueState(database.db)).depth);
      },
    });
    new Gauge({
      name: 'qualify_webhook_queue_oldest_age_seconds',
      help: 'Age of the oldest webhook delivery still waiting; 0 when none waits',
      registers,
      async collect() {
        const { oldest } = await deliveries.queueState(database.db);
        this.set(oldest === null ? 0 : Math.max(0, (clock.now() - oldest) / 1000));
      },
    });
  }
}
