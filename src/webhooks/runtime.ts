import type { Services } from '../services.js';
import { type DispatcherLogger, type DispatcherOptions, WebhookDispatcher } from './dispatcher.js';
import { webhookPolicy } from './policy.js';
import { createHttpSender } from './sender.js';

export interface WebhookRuntime {
  dispatcher: WebhookDispatcher;
  /** Stops the dispatcher (SPEC §3.4 graceful shutdown), then closes the HTTP agent. */
  stop(): Promise<void>;
}

/**
 * The dispatcher as the server runs it: the real HTTP sender with the SSRF guard per config,
 * metrics per outcome, and woken by every commit that queues a delivery (on PostgreSQL, also by
 * those of other instances: `db/notifications.ts`). Not started: the server
 * calls `dispatcher.start()` once it listens. Tests pass overrides (clock, sender, random).
 */
export function createWebhookRuntime(
  services: Services,
  overrides: Partial<Omit<DispatcherOptions, 'database' | 'endpoints' | 'repositories'>> & {
    logger?: DispatcherLogger;
  } = {},
): WebhookRuntime {
  const policy = webhookPolicy(services.config);
  const http = createHttpSender({ allowPrivate: policy.allowPrivate, httpsOnly: policy.httpsOnly });
  const dispatcher = new WebhookDispatcher({
    database: services.database,
    clock: services.clock,
    send: http.send,
    endpoints: services.webhookEndpoints,
    repositories: services.repositories,
    unsignedNeedsLegacyMark: policy.unsignedNeedsLegacyMark,
    onOutcome: (outcome) => services.metrics.observeDelivery(outcome),
    ...overrides,
  });
  const unsubscribe = services.notifications.subscribe('events', () => dispatcher.wake());
  services.webhookDeliveries.onQueued(() => dispatcher.wake());
  return {
    dispatcher,
    async stop() {
      unsubscribe();
      await dispatcher.stop();
      await http.close();
    },
  };
}
