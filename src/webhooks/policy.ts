import type { Config } from '../config.js';

/** What a deployment allows webhooks to do; derived from the configuration in one place. */
export interface WebhookPolicy {
  /** SPEC §3.4 — private, loopback, link-local and metadata targets (local receivers). */
  readonly allowPrivate: boolean;
  /** Issue 13 item 1 — production sends only over https, unless private webhooks are allowed. */
  readonly httpsOnly: boolean;
  /** Issue 13 item 7 — production sends unsigned (legacy) deliveries only to endpoints marked legacy. */
  readonly unsignedNeedsLegacyMark: boolean;
}

export function webhookPolicy(config: Pick<Config, 'env' | 'allowPrivateWebhooks'>): WebhookPolicy {
  const production = config.env === 'production';
  return Object.freeze({
    allowPrivate: config.allowPrivateWebhooks,
    httpsOnly: production && !config.allowPrivateWebhooks,
    unsignedNeedsLegacyMark: production,
  });
}
