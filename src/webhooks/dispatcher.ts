import { randomBytes } from 'node:crypto';
import type { Database } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import type { Repositories } from '../repositories.js';
import type { AttemptRow, DeliveryPatch, DeliveryRow } from './deliveries.repository.js';
import type { WebhookEndpointsService } from './endpoints.service.js';
import { decideOutcome } from './outcome.js';
import { buildRequest } from './payload.js';
import { OutcomeRecorder } from './recorder.js';
import { loadSendContexts, type SendContext } from './send-context.js';
import type { Sender, SendResult } from './sender.js';
import type { DeliveryOutcome } from './webhooks.vocabulary.js';

export interface DispatcherLogger {
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface DispatcherOptions {
  database: Database;
  clock: Clock;
  send: Sender;
  endpoints: WebhookEndpointsService;
  repositories: Pick<Repositories, 'deliveries' | 'events' | 'endpoints'>;
  /** Names this process's leases; random per process by default. */
  instanceId?: string;
  /** Uniform in [0, 1), for the retry jitter. */
  random?: () => number;
  /** Sends in flight at once (64 by default). */
  concurrency?: number;
  /**
   * Issue 9 item 6 — the most sends one endpoint, and one channel, may have in flight here; by
   * default a quarter and a half of `concurrency` (16 and 32), so what a slow or failing endpoint
   * holds leaves the rest for the others.
   */
  endpointCap?: number;
  channelCap?: number;
  /** How long a claim is ours; longer than one send's 10 s budget. */
  leaseMs?: number;
  /** Safety poll: finds work woken elsewhere (another instance, the CLI). */
  pollMs?: number;
  /** SPEC §3.4 — how long `stop()` waits for in-flight sends before releasing them. */
  shutdownGraceMs?: number;
  logger?: DispatcherLogger;
  onOutcome?: (outcome: DeliveryOutcome) => void;
  /** Issue 13 item 7 — production: unsigned deliveries only to endpoints marked legacy. */
  unsignedNeedsLegacyMark?: boolean;
}

interface InFlight {
  promise: Promise<void>;
  controller: AbortController;
}

/** Claimed-but-unrecorded deliveries may reach this many times `concurrency`. */
const UNRECORDED_FACTOR = 4;

const silent: DispatcherLogger = { warn: () => {}, error: () => {} };

/** Nothing is sent; the attempt fails and is retried on the schedule while the operator marks the endpoint. */
const UNSIGNED_REFUSED: SendResult = {
  statusCode: null,
  error: 'unsigned delivery refused in production: mark the endpoint legacy (qualify webhook mark-legacy)',
  durationMs: 0,
  responseBody: null,
};

function count(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}

export function newInstanceId(): string {
  return `inst_${randomBytes(6).toString('hex')}`;
}

/**
 * SPEC §3.4 — delivers the outbox. Due rows are claimed in batches under a lease by one statement,
 * sent with no transaction open, and their outcomes are written by the OutcomeRecorder in short
 * transactions shared by the sends that finished together, each applied only while its lease is
 * still ours. A lease that outlives its instance expires and the row is claimed again, so nothing
 * is lost; deliveries are at-least-once.
 *
 * `wake()` is called after every commit that queued a delivery, so the first attempt follows the
 * commit at once; a timer covers the next scheduled retry, and a safety poll finds rows queued by
 * other processes. Tests skip the loop and call `runOnce()` with a ManualClock.
 */
export class WebhookDispatcher {
  readonly instanceId: string;
  private readonly repo: Repositories['deliveries'];
  private readonly recorder: OutcomeRecorder;
  private readonly random: () => number;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly graceMs: number;
  private readonly logger: DispatcherLogger;
  /** Claimed deliveries not yet recorded (what `stop()` waits for). */
  private readonly inflight = new Map<string, InFlight>();
  /** Of those, the ones whose request is still out: the slots `concurrency` bounds. */
  private sending = 0;
  /** The same slots by endpoint and by channel, for fair claiming (issue 9 item 6). */
  private readonly sendingByEndpoint = new Map<string, number>();
  private readonly sendingByChannel = new Map<string, number>();
  private readonly endpointCap: number;
  private readonly channelCap: number;
  private state: 'idle' | 'running' | 'stopped' = 'idle';
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<number> | undefined;
  private again = false;
  private claims = 0;

  constructor(private readonly options: DispatcherOptions) {
    this.instanceId = options.instanceId ?? newInstanceId();
    this.random = options.random ?? Math.random;
    this.concurrency = options.concurrency ?? 64;
    this.endpointCap = options.endpointCap ?? Math.max(1, Math.floor(this.concurrency / 4));
    this.channelCap = options.channelCap ?? Math.max(1, Math.floor(this.concurrency / 2));
    this.leaseMs = options.leaseMs ?? 60_000;
    this.pollMs = options.pollMs ?? 5_000;
    this.graceMs = options.shutdownGraceMs ?? 10_000;
    this.logger = options.logger ?? silent;
    this.repo = options.repositories.deliveries;
    this.recorder = new OutcomeRecorder(options.database, options.clock, options.repositories);
  }

  start(): void {
    if (this.state !== 'idle') return;
    this.state = 'running';
    this.schedule(0);
  }

  /** Something was queued: look now (coalesced with a run already in progress). */
  wake(): void {
    if (this.state !== 'running') return;
    // A run in progress may already have claimed (or be past its claim): make it look again
    // rather than let its next timer replace this one.
    this.again = true;
    if (!this.ticking) this.schedule(0);
  }

  /** Deliveries claimed and not yet recorded (their sends in flight, or their outcomes being written). */
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
    if (this.ticking) return;
    this.again = false;
    this.ticking = (async () => {
      try {
        // A claim that filled some endpoint's or channel's share may have left due rows of others
        // outside its window (issue 9 item 6): with slots still free, look again at once.
        const launched = await this.claimAndLaunch();
        if (launched.length > 0 && this.freeSlots() > 0) this.again = true;
      } catch (error) {
        this.logger.error({ err: error }, 'webhook dispatcher could not claim deliveries');
      }
      return this.again ? 0 : this.delayUntilDue();
    })();
    const delay = await this.ticking;
    this.ticking = undefined;
    if (this.state !== 'running') return;
    this.schedule(this.again ? 0 : delay);
  }

  private async delayUntilDue(): Promise<number> {
    if (this.freeSlots() <= 0) return this.pollMs;
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

  /**
   * Room for new claims: free send slots, and — so that a slow database cannot let finished but
   * unrecorded deliveries pile up — a bound on those too.
   */
  private freeSlots(): number {
    return Math.min(
      this.concurrency - this.sending,
      this.concurrency * UNRECORDED_FACTOR - this.inflight.size,
    );
  }

  /**
   * One statement claims as many due deliveries as there are free slots; one read fetches their
   * events and endpoints, one more their secrets. The sends start without waiting for the next
   * claim, and the loop claims again as soon as slots free up (SPEC §3.4).
   */
  private async claimAndLaunch(): Promise<Promise<void>[]> {
    const free = this.freeSlots();
    if (this.state === 'stopped' || free <= 0) return [];
    const lease = `${this.instanceId}:${++this.claims}`;
    const now = this.options.clock.now();
    const { db, engine } = this.options.database;
    const rows = await this.repo.claimDue(db, engine, now, free, lease, now + this.leaseMs, {
      inflightByEndpoint: this.sendingByEndpoint,
      inflightByChannel: this.sendingByChannel,
      endpointCap: this.endpointCap,
      channelCap: this.channelCap,
    });
    if (rows.length === 0) return [];
    const { events, endpoints } = this.options.repositories;
    const sources = { events, endpoints, endpointsService: this.options.endpoints };
    const contexts = loadSendContexts(db, sources, rows, now);
    // Each delivery reports a failed read as its own crash; the rows come back when the lease ends.
    contexts.catch(() => {});
    return rows.map((row) => this.launch(row, lease, contexts));
  }

  private launch(
    row: DeliveryRow,
    lease: string,
    contexts: Promise<Map<string, SendContext>>,
  ): Promise<void> {
    const controller = new AbortController();
    const key = `${row.id}:${lease}`;
    // The slot frees once the response is in, so the next claim overlaps this one's recording.
    this.sending++;
    count(this.sendingByEndpoint, row.webhook_endpoint_id, 1);
    count(this.sendingByChannel, row.sales_channel_id, 1);
    let sent = false;
    const freeSlot = () => {
      if (sent) return;
      sent = true;
      this.sending--;
      count(this.sendingByEndpoint, row.webhook_endpoint_id, -1);
      count(this.sendingByChannel, row.sales_channel_id, -1);
      this.wake();
    };
    const promise = this.deliver(row, lease, contexts, controller.signal, freeSlot)
      .catch((error) => this.logger.error({ err: error, delivery: row.id }, 'webhook delivery crashed'))
      .finally(() => {
        freeSlot();
        const wasFull = this.inflight.size >= this.concurrency * UNRECORDED_FACTOR;
        this.inflight.delete(key);
        // Issue 14 item 3 — the next event of this session to this endpoint may now go.
        if (wasFull || row.session_id !== null) this.wake();
      });
    this.inflight.set(key, { promise, controller });
    return promise;
  }

  private async deliver(
    row: DeliveryRow,
    lease: string,
    contexts: Promise<Map<string, SendContext>>,
    signal: AbortSignal,
    freeSlot: () => void,
  ): Promise<void> {
    const context = (await contexts).get(row.id);
    const now = this.options.clock.now();
    if (!context || context.deleted_at !== null || context.disabled_at !== null) {
      freeSlot();
      // Disabled or deleted between the commit that queued this and now: nothing is sent.
      const reason = context?.deleted_at ? 'webhook endpoint deleted' : 'webhook endpoint disabled';
      await this.finish(row, lease, null, null, {
        status: 'failed',
        last_error: reason,
        next_attempt_at: null,
        completed_at: now,
        updated_at: now,
      });
      return;
    }
    const request = buildRequest(
      context.mode,
      {
        deliveryId: row.id,
        eventType: context.event_type,
        eventCreatedAt: context.event_created_at,
        sequence: context.event_sequence,
        data: JSON.parse(context.event_data) as Record<string, unknown>,
      },
      context.secrets,
      now,
    );
    const attemptedAt = now;
    const result = this.refusedUnsigned(context)
      ? UNSIGNED_REFUSED
      : await this.options.send({ url: context.url, ...request, signal });
    freeSlot();
    if (result.detail)
      this.logger.warn(
        { delivery: row.id, endpoint: row.webhook_endpoint_id, cause: result.detail },
        'webhook delivery could not connect',
      );
    // A send cut short by shutdown (aborted, or timed out during the grace period) is released for
    // the next start rather than counted against the retry schedule.
    const releasedByShutdown = this.state === 'stopped' && result.statusCode === null;
    const { patch, outcome, disable } = decideOutcome(row, result, {
      now: this.options.clock.now(),
      random: this.random,
      releasedByShutdown,
    });
    const attempt: AttemptRow = {
      id: newId('att'),
      webhook_delivery_id: row.id,
      attempt_number: row.attempt_count + 1,
      attempted_at: attemptedAt,
      status_code: result.statusCode,
      error: releasedByShutdown ? 'aborted by shutdown' : result.error,
      duration_ms: result.durationMs,
      response_body: result.responseBody,
      instance_id: this.instanceId,
    };
    await this.finish(row, lease, attempt, outcome, patch, disable);
  }

  private refusedUnsigned(context: SendContext): boolean {
    return (
      this.options.unsignedNeedsLegacyMark === true &&
      context.mode === 'unsigned' &&
      context.legacy_marked_at === null
    );
  }

  /** The attempt row always; the delivery's new state only while the lease is ours. */
  private async finish(
    row: DeliveryRow,
    lease: string,
    attempt: AttemptRow | null,
    outcome: DeliveryOutcome | null,
    patch: DeliveryPatch,
    disable = false,
  ): Promise<void> {
    const applied = await this.recorder.record({ row, lease, attempt, patch, disable });
    if (!applied) {
      this.logger.warn({ delivery: row.id }, 'webhook delivery lease lost before recording');
      return;
    }
    if (outcome) this.options.onOutcome?.(outcome);
  }
}
