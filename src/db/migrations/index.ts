import type { Migration } from 'kysely';
import * as core from './001_core.js';
import * as review from './002_review.js';
import * as webhooks from './003_webhooks.js';
import * as sessionCounts from './004_session_counts.js';
import * as hardening from './005_hardening.js';
import * as letter from './006_letter.js';
import * as consoleForLiveUse from './007_console.js';
import * as orderedWebhooks from './008_ordered_webhooks.js';
import * as dashboard from './009_dashboard.js';
import * as dashboardMfa from './010_dashboard_mfa.js';

/** Every migration, in order. Listed in code (not read from disk) so both engines and every runner agree. */
export const migrations: Record<string, Migration> = {
  '001_core': core,
  '002_review': review,
  '003_webhooks': webhooks,
  '004_session_counts': sessionCounts,
  '005_hardening': hardening,
  '006_letter': letter,
  '007_console': consoleForLiveUse,
  '008_ordered_webhooks': orderedWebhooks,
  '009_dashboard': dashboard,
  '010_dashboard_mfa': dashboardMfa,
};
