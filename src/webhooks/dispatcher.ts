import { randomBytes } from 'node:crypto';
import type { Database } from '../db/database.js';
import { transact } from '../db/transaction.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { DeliveryOutcome } from '../metrics/metrics.service.js';
import { DeliveriesRepository, type DeliveryRow } from './deliveries.repository.js';
import { EndpointsRepository } from './endpoints.repository.js';
import type { WebhookEndpointsService } from './endpoints.service.js';
import { decideOutcome } from './outcome.js';
import { buildRequest } from './payload.js';
import type { Sender, SendResult } from './sender.js';

export interface DispatcherLogger {
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface DispatcherOptions {
  database: Database;
  clock: Clock;
  send: Sender;
  endpoints: WebhookEndpointsService;
  /** Names this process's leases; random per process by default. */
  instanceId?: string;
  /** Uniform in [0, 1), for the retry jitter. */
  random?: () => number;
  /** Sends in flight at once. */
  concurrency?: number;
  /** How long a claim is ours; longer than one send's 10 s budget. */
  leaseMs?: number;
  /** Safety poll: finds work woken elsewhere (another instance, the CLI). */
  pollMs?: number;
  /** SPEC §3.4 — how long `stop()` waits for in-flight sends before releasing them. */
  shutdownGraceMs?: number;
  logger?: DispatcherLogger;
  onOutcome?: (outcome: DeliveryOutcome) => void;
}

interface InFlight {
  promise: Promise<void>;
  controller: AbortController;
}

const silent: DispatcherLogger = { warn: () => {}, error: () => {} };

export function newInstanceId(): string {
  return `inst_${randomBytes(6).toString('hex')}`;
}

/**
 * SPEC §3.4 — delivers the outbox. Due rows are claimed under a lease in one short transaction,
 * sent with no transaction open, and their outcome is written in a second short transaction that
 * only applies while the lease is still ours. A lease that outlives its instance expires and the
 * row is claimed again, so nothing is lost; deliveries are at-least-once.
 *
 * `wake()` is called after every commit that queued a delivery, so the first attempt follows the
 * commit at once; a timer covers the next scheduled retry, and a safety poll finds rows queued by
 * other processes. Tests skip the loop and call `runOnce()` with a ManualClock.
 */
export class WebhookDispatcher {
  readonly instanceId: string;
  private readonly repo = new DeliveriesRepository();
  private readonly endpointsRepo = new EndpointsRepository();
  private readonly random: () => number;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly graceMs: number;
  private readonly logger: DispatcherLogger;
  private readonly inflight = new Map<string, InFlight>();
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private claims = 0;

  constructor(private readonly options: DispatcherOptions) {
    this.instanceId = options.instanceId ?? newInstanceId();
    this.random = options.random ?? Math.random;
    this.concurrency = options.concurrency ?? 16;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.pollMs = options.pollMs ?? 5_000;
    this.graceMs = options.shutdownGraceMs ?? 10_000;
    this.logger = options.logger ?? silent;
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    this.schedule(0);
  }

  /** Something was queued: look now (coalesced with a run already in progress). */
  wake(): void {
    if (this.state === 'running') this.schedule(0);
  }

  /** Sends currently in flight. */
  get busy(): number {
    return this.inflight.size;
  }

  /** Claims what is due, sends it, and resolves when those sends are recorded. Returns how many. */
  async runOnce(): Promise<number> {
    const launched = await this.claimAndLaunch();
    await Promise.allSettled(launched);
    return launched.length;
  }

  /**
   * SPEC §3.4 — stop claiming, give in-flight sends up to the grace period, then abort the rest;
   * an aborted send's delivery goes back to `pending`, due at once, for the next start.
   */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    clearTimeout(this.timer);
    await this.ticking;
    const all = Promise.allSettled([...this.inflight.values()].map((f) => f.promise));
    let graceTimer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => {
        graceTimer = setTimeout(() => resolve(true), this.graceMs);
      }),
    ]);
    clearTimeout(graceTimer);
    if (timedOut) {
      for (const flight of this.inflight.values()) flight.controller.abort();
      await Promise.allSettled([...this.inflight.values()].map((f) => f.promise));
    }
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (this.state !== 'running') return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = (async () => {
      try {
        await this.claimAndLaunch();
      } catch (error) {
        this.logger.error({ err: error }, 'webhook dispatcher could not claim deliveries');
      }
    })();
    await this.ticking;
    this.ticking = undefined;
    if (this.state !== 'running') return;
    if (this.again) {
      this.again = false;
      return this.schedule(0);
    }
    this.schedule(await this.delayUntilDue());
  }

  private async delayUntilDue(): Promise<number> {
    if (this.inflight.size >= this.concurrency) return this.pollMs;
    try {
      const next = await this.repo.nextDueAt(this.options.database.db);
      if (next === null) return this.pollMs;
      // Rows already due but not claimed by this run are another instance's, mid-claim: look
      // again shortly rather than spin. New work of our own arrives through `wake()`.
      return Math.min(this.pollMs, Math.max(50, next - this.options.clock.now()));
    } catch {
      return this.pollMs;
    }
  }

  private async claimAndLaunch(): Promise<Promise<void>[]> {
    const free = this.concurrency - this.inflight.size;
    if (this.state === 'stopped' || free <= 0) return [];
    const lease = `${this.instanceId}:${++this.claims}`;
    const now = this.options.clock.now();
    const rows = await transact(this.options.database, (tx) =>
      this.repo.claimDue(tx, now, free, lease, now + this.leaseMs),
    );
    return rows.map((row) => this.launch(row, lease));
  }

  private launch(row: DeliveryRow, lease: string): Promise<void> {
    const controller = new AbortController();
    const key = `${row.id}:${lease}`;
    const promise = this.deliver(row, lease, controller.signal)
      .catch((error) => this.logger.error({ err: error, delivery: row.id }, 'webhook delivery crashed'))
      .finally(() => {
        this.inflight.delete(key);
        this.wake();
      });
    this.inflight.set(key, { promise, controller });
    return promise;
  }

  private async deliver(row: DeliveryRow, lease: string, signal: AbortSignal): Promise<void> {
    const db = this.options.database.db;
    const endpoint = await this.endpointsRepo.findAny(db, row.webhook_endpoint_id);
    const event = await this.repo.findEvent(db, row.event_id);
    const now = this.options.clock.now();
    if (!endpoint || !event || endpoint.deleted_at !== null || endpoint.disabled_at !== null) {
      // Disabled or deleted between the commit that queued this and now: nothing is sent.
      const reason = endpoint?.deleted_at ? 'webhook endpoint deleted' : 'webhook endpoint disabled';
      await this.repo.finishLeased(db, row.id, lease, {
        status: 'failed',
        last_error: reason,
        next_attempt_at: null,
        completed_at: now,
        updated_at: now,
      });
      return;
    }
    const secrets = await this.options.endpoints.activeSecrets(endpoint.id, now);
    const request = buildRequest(
      endpoint.mode,
      {
        deliveryId: row.id,
        eventType: event.type,
        eventCreatedAt: event.created_at,
        data: JSON.parse(event.data) as Record<string, unknown>,
      },
      secrets,
      now,
    );
    const attemptedAt = now;
    const result = await this.options.send({ url: endpoint.url, ...request, signal });
    // A send cut short by shutdown (aborted, or timed out during the grace period) is released for
    // the next start rather than counted against the retry schedule.
    const released = this.state === 'stopped' && result.statusCode === null;
    await this.record(row, lease, attemptedAt, result, released);
  }

  /** The attempt row always; the delivery's new state only while the lease is ours. */
  private async record(
    row: DeliveryRow,
    lease: string,
    attemptedAt: number,
    result: SendResult,
    releasedByShutdown: boolean,
  ): Promise<void> {
    const now = this.options.clock.now();
    const attemptNumber = row.attempt_count + 1;
    const status = result.statusCode;
    const { patch, outcome, disable } = decideOutcome(row, result, {
      now,
      random: this.random,
      releasedByShutdown,
    });

    const applied = await transact(this.options.database, async (tx) => {
      await this.repo.insertAttempt(tx.db, {
        id: newId('att'),
        webhook_delivery_id: row.id,
        attempt_number: attemptNumber,
        attempted_at: attemptedAt,
        status_code: status,
        error: releasedByShutdown ? 'aborted by shutdown' : result.error,
        duration_ms: result.durationMs,
        response_body: result.responseBody,
        instance_id: this.instanceId,
      });
      const mine = await this.repo.finishLeased(tx.db, row.id, lease, patch);
      if (mine && disable) {
        // SPEC §3.4 — 410 Gone: the receiver says the endpoint no longer exists.
        await this.endpointsRepo.update(tx.db, row.webhook_endpoint_id, {
          disabled_at: now,
          disabled_reason: 'receiver answered 410 Gone',
          updated_at: now,
        });
        await this.repo.failQueuedForEndpoint(
          tx.db,
          row.webhook_endpoint_id,
          'webhook endpoint disabled',
          now,
        );
      }
      return mine;
    });
    if (!applied) {
      this.logger.warn({ delivery: row.id }, 'webhook delivery lease lost before recording');
      return;
    }
    if (outcome) this.options.onOutcome?.(outcome);
  }
}
