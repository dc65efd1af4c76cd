import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type pgModule from 'pg';
import type { Database } from './database.js';
import type { Tx } from './transaction.js';

/**
 * What instances tell each other. `events`: a committed transaction queued webhook deliveries
 * (the dispatchers look now). A new topic is an entry here and a `subscribe` where it is heard.
 */
export const NOTIFICATION_TOPICS = ['events'] as const;
export type NotificationTopic = (typeof NOTIFICATION_TOPICS)[number];

export type NotificationHandler = () => void;

export interface NotificationsLogger {
  warn(object: object, message: string): void;
}

export interface NotificationsOptions {
  /** Reconnect backoff of the listening connection (PostgreSQL): first and longest delay. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  logger?: NotificationsLogger;
}

/**
 * Issue 9 item 5 — "something changed" signals between the instances sharing one database.
 *
 * `publish(tx, topic)` inside a transaction: once (and only if) it commits, every subscriber of
 * `topic` hears it — in this process at once (after the commit), and on PostgreSQL in every other
 * process listening on the same database and schema, through `NOTIFY`, which PostgreSQL delivers
 * at commit. Signals carry no data and coalesce (one per topic per transaction); a subscriber
 * re-reads what it cares about. On SQLite they stay in-process: other processes sharing the file
 * rely on their own polling.
 *
 * The listening side (`start`) is one dedicated connection outside the pool, reconnecting with
 * exponential backoff; after every (re)connect each handler runs once, since signals sent while
 * it was down are lost. Subscribers keep a safety poll of their own: a signal is an optimisation,
 * never the only way work is found.
 */
export class Notifications {
  /** Names this process's signals, so its own NOTIFY (already handled in-process) is skipped. */
  readonly origin = randomBytes(6).toString('hex');
  private readonly handlers = new Map<NotificationTopic, Set<NotificationHandler>>();
  /** Transactions that already published a topic (one NOTIFY each is enough). */
  private readonly published = new WeakMap<object, Set<NotificationTopic>>();
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;
  private logger: NotificationsLogger | undefined;
  private client: pgModule.Client | undefined;
  private state: 'idle' | 'listening' | 'closed' = 'idle';
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly database: Database,
    options: NotificationsOptions = {},
  ) {
    this.reconnectMinMs = options.reconnectMinMs ?? 100;
    this.reconnectMaxMs = options.reconnectMaxMs ?? 10_000;
    this.logger = options.logger;
  }

  /** Whether other processes hear what this one publishes (PostgreSQL). */
  get crossProcess(): boolean {
    return this.database.engine === 'postgres';
  }

  /** Whether the listening connection is up (PostgreSQL; always false on SQLite). */
  get connected(): boolean {
    return this.client !== undefined;
  }

  subscribe(topic: NotificationTopic, handler: NotificationHandler): () => void {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Heard by every subscriber once `tx` commits; nothing if it rolls back. */
  async publish(tx: Tx, topic: NotificationTopic): Promise<void> {
    let topics = this.published.get(tx.db);
    if (!topics) {
      topics = new Set();
      this.published.set(tx.db, topics);
    }
    if (topics.has(topic)) return;
    topics.add(topic);
    tx.afterCommit(() => this.dispatch(topic));
    if (this.crossProcess) {
      // Queued by PostgreSQL with the transaction and delivered to listeners when it commits.
      await sql`SELECT pg_notify(${sql.raw(CHANNEL_EXPRESSION)}, ${`${topic}:${this.origin}`})`.execute(
        tx.db,
      );
    }
  }

  /**
   * Opens the listening connection (PostgreSQL). Resolves after the first attempt, connected or
   * not: a failed attempt is retried in the background and the safety polls cover the gap.
   */
  async start(logger?: NotificationsLogger): Promise<void> {
    if (this.state !== 'idle') return;
    if (logger) this.logger = logger;
    this.state = 'listening';
    if (!this.crossProcess) return;
    await this.connect();
  }

  async close(): Promise<void> {
    this.state = 'closed';
    clearTimeout(this.retryTimer);
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => {});
  }

  private dispatch(topic: NotificationTopic): void {
    for (const handler of this.handlers.get(topic) ?? []) {
      try {
        handler();
      } catch (error) {
        this.logger?.warn({ err: error, topic }, 'notification handler failed');
      }
    }
  }

  private connect(): Promise<void> {
    this.connecting = (async () => {
      const client = this.database.dedicatedClient?.();
      if (!client) return;
      let lost = false;
      const onLost = (error?: unknown) => {
        if (lost) return;
        lost = true;
        if (this.client === client) this.client = undefined;
        client.end().catch(() => {});
        if (this.state !== 'listening') return;
        this.logger?.warn({ err: error }, 'notification listener disconnected; reconnecting');
        this.scheduleReconnect();
      };
      client.on('error', onLost);
      client.on('end', () => onLost());
      client.on('notification', (message) => {
        const [topic, origin] = (message.payload ?? '').split(':');
        if (origin === this.origin) return;
        if ((NOTIFICATION_TOPICS as readonly string[]).includes(topic ?? ''))
          this.dispatch(topic as NotificationTopic);
      });
      try {
        await client.connect();
        const result = await client.query<{ channel: string }>(`SELECT ${CHANNEL_EXPRESSION} AS channel`);
        const channel = result.rows[0]?.channel ?? '';
        if (!/^qualify_[0-9a-f]{32}$/.test(channel)) throw new Error('unexpected notification channel');
        await client.query(`LISTEN "${channel}"`);
      } catch (error) {
        onLost(error);
        return;
      }
      if (lost || this.state !== 'listening') {
        await client.end().catch(() => {});
        return;
      }
      this.client = client;
      this.failures = 0;
      // Whatever was signalled while no connection listened: every subscriber looks once.
      for (const topic of NOTIFICATION_TOPICS) this.dispatch(topic);
    })();
    return this.connecting;
  }

  private scheduleReconnect(): void {
    clearTimeout(this.retryTimer);
    const delay = Math.min(this.reconnectMaxMs, this.reconnectMinMs * 2 ** this.failures);
    this.failures = Math.min(this.failures + 1, 20);
    // Jitter, so instances cut off together do not all reconnect in the same instant.
    this.retryTimer = setTimeout(() => void this.connect(), delay / 2 + Math.random() * (delay / 2));
    this.retryTimer.unref();
  }
}

/**
 * One channel per database schema (deployments and test runs in other schemas of the same
 * database do not wake each other), computed by PostgreSQL on both sides from `current_schema()`.
 */
const CHANNEL_EXPRESSION = `'qualify_' || md5(coalesce(current_schema(), ''))`;
