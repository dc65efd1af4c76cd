import type { Database } from '../db/database.js';
import { transact } from '../db/transaction.js';
import type { Clock } from '../lib/clock.js';
import type {
  AttemptRow,
  DeliveriesRepository,
  DeliveryPatch,
  DeliveryRow,
} from './deliveries.repository.js';
import type { EndpointsRepository } from './endpoints.repository.js';

/** One claimed delivery whose turn is over: what to write for it. */
export interface FinishedDelivery {
  row: DeliveryRow;
  /** The lease it was claimed under; the patch applies only while the lease is still this one. */
  lease: string;
  patch: DeliveryPatch;
  /** SPEC §3.4 — every attempt is recorded; null when nothing was sent (endpoint gone). */
  attempt: AttemptRow | null;
  /** SPEC §3.4 — `410 Gone` disables the endpoint. */
  disable: boolean;
}

interface Queued {
  item: FinishedDelivery;
  resolve(applied: boolean): void;
  reject(error: unknown): void;
}

/** Bounds one transaction; a backlog drains in several. */
const MAX_BATCH = 256;

/**
 * Writes finished deliveries in short transactions shared by every send that finished meanwhile
 * (group commit): the attempt rows in one insert, then each delivery's new state only while its
 * lease is still ours, with deliveries of one claim and one identical outcome in one update. A
 * write starts as soon as the current one is done — nothing waits for a batch to fill — so one
 * lone delivery is written at once and a busy dispatcher gets fewer, larger commits. No HTTP call
 * is ever made inside these transactions.
 */
export class OutcomeRecorder {
  private queue: Queued[] = [];
  private writing = false;

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repos: { deliveries: DeliveriesRepository; endpoints: EndpointsRepository },
  ) {}

  /** Resolves once written: true when the outcome was applied, false when the lease was lost. */
  record(item: FinishedDelivery): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.writing) return;
      this.writing = true;
      // Sends whose responses were read in the same turn of the event loop join this write.
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        const applied = await this.write(batch.map((q) => q.item));
        for (const q of batch) q.resolve(applied.has(leaseKey(q.item)));
      } catch (error) {
        // One bad row (or a deadlock with another instance) must not cost the others their
        // record: write them one by one.
        if (batch.length === 1) batch[0]!.reject(error);
        else await this.writeEach(batch);
      }
    }
    this.writing = false;
  }

  private async writeEach(batch: Queued[]): Promise<void> {
    for (const q of batch) {
      try {
        const applied = await this.write([q.item]);
        q.resolve(applied.has(leaseKey(q.item)));
      } catch (error) {
        q.reject(error);
      }
    }
  }

  /** One transaction for the batch; returns the `id:lease` keys whose outcome was applied. */
  private async write(items: FinishedDelivery[]): Promise<Set<string>> {
    const now = this.clock.now();
    const groups = new Map<string, FinishedDelivery[]>();
    for (const item of items) {
      const key = JSON.stringify([item.lease, item.patch]);
      const group = groups.get(key);
      if (group) group.push(item);
      else groups.set(key, [item]);
    }
    return transact(this.database, async (tx) => {
      // The attempt rows always, even when the lease was lost: the request was made.
      await this.repos.deliveries.insertAttempts(
        tx.db,
        items.flatMap((item) => (item.attempt ? [item.attempt] : [])),
      );
      const applied = new Set<string>();
      for (const group of groups.values()) {
        const { lease, patch } = group[0]!;
        const ids = await this.repos.deliveries.finishLeased(
          tx.db,
          group.map((item) => item.row.id),
          lease,
          patch,
        );
        for (const id of ids) applied.add(`${id}:${lease}`);
      }
      const gone = new Set(
        items
          .filter((item) => item.disable && applied.has(leaseKey(item)))
          .map((item) => item.row.webhook_endpoint_id),
      );
      for (const endpointId of gone) {
        // SPEC §3.4 — 410 Gone: the receiver says the endpoint no longer exists.
        await this.repos.endpoints.update(tx.db, endpointId, {
          disabled_at: now,
          disabled_reason: 'receiver answered 410 Gone',
          updated_at: now,
        });
        await this.repos.deliveries.failQueuedForEndpoint(
          tx.db,
          endpointId,
          'webhook endpoint disabled',
          now,
        );
      }
      return applied;
    });
  }
}

function leaseKey(item: FinishedDelivery): string {
  return `${item.row.id}:${item.lease}`;
}
