import { AuditRepository } from './audit/audit.repository.js';
import { ThrottleRepository } from './auth/throttle.repository.js';
import { TotpRepository } from './auth/totp.repository.js';
import { BackupRepository } from './backup/backup.repository.js';
import { ChannelsRepository } from './channels/channels.repository.js';
import { CliniciansRepository } from './console/clinicians.repository.js';
import { ConsoleSessionsRepository } from './console/console-sessions.repository.js';
import { QuestionsRepository } from './console/questions.repository.js';
import { ReviewsRepository } from './console/reviews.repository.js';
import { DashboardSessionsRepository } from './dashboard/dashboard-sessions.repository.js';
import { DashboardUsersRepository } from './dashboard/dashboard-users.repository.js';
import type { DB } from './db/schema.js';
import { EventsRepository } from './events/events.repository.js';
import { IdempotencyKeysRepository } from './idempotency/idempotency.repository.js';
import { LetterChecksRepository } from './lmn/letter-checks.repository.js';
import { LmnRepository } from './lmn/lmn.repository.js';
import { MailOutboxRepository } from './mail/mail-outbox.repository.js';
import { KeyCheckRepository } from './secrets/key-check.repository.js';
import { SessionsRepository } from './sessions/sessions.repository.js';
import { SurveyDraftsRepository } from './survey/survey-drafts.repository.js';
import { SurveyResponsesRepository } from './survey/survey-responses.repository.js';
import { DeliveriesRepository } from './webhooks/deliveries.repository.js';
import { EndpointsRepository } from './webhooks/endpoints.repository.js';

/**
 * Every repository, built once and passed to the services that need it (issue 9 item 1). Each
 * holds all the SQL of the tables it owns (`TABLE_OWNERS`) and computes their derived columns;
 * nothing else in `src/` builds a query.
 */
export interface Repositories {
  readonly channels: ChannelsRepository;
  readonly sessions: SessionsRepository;
  readonly idempotencyKeys: IdempotencyKeysRepository;
  readonly events: EventsRepository;
  readonly endpoints: EndpointsRepository;
  readonly deliveries: DeliveriesRepository;
  readonly clinicians: CliniciansRepository;
  readonly consoleSessions: ConsoleSessionsRepository;
  readonly surveyResponses: SurveyResponsesRepository;
  readonly surveyDrafts: SurveyDraftsRepository;
  readonly reviews: ReviewsRepository;
  readonly lmns: LmnRepository;
  readonly letterChecks: LetterChecksRepository;
  readonly mailOutbox: MailOutboxRepository;
  readonly audit: AuditRepository;
  readonly keyChecks: KeyCheckRepository;
  readonly dashboardUsers: DashboardUsersRepository;
  readonly dashboardSessions: DashboardSessionsRepository;
  readonly totp: TotpRepository;
  readonly throttle: ThrottleRepository;
  readonly questions: QuestionsRepository;
  /** Whole-file copies of a SQLite database (issue 13 item 8); owns no table. */
  readonly backups: BackupRepository;
}

export function createRepositories(): Repositories {
  const keyChecks = new KeyCheckRepository();
  return {
    channels: new ChannelsRepository(),
    sessions: new SessionsRepository(),
    idempotencyKeys: new IdempotencyKeysRepository(),
    events: new EventsRepository(),
    endpoints: new EndpointsRepository(),
    deliveries: new DeliveriesRepository(),
    clinicians: new CliniciansRepository(),
    consoleSessions: new ConsoleSessionsRepository(),
    surveyResponses: new SurveyResponsesRepository(),
    surveyDrafts: new SurveyDraftsRepository(),
    reviews: new ReviewsRepository(),
    lmns: new LmnRepository(),
    letterChecks: new LetterChecksRepository(),
    mailOutbox: new MailOutboxRepository(),
    audit: new AuditRepository(),
    keyChecks,
    dashboardUsers: new DashboardUsersRepository(),
    dashboardSessions: new DashboardSessionsRepository(),
    totp: new TotpRepository(),
    throttle: new ThrottleRepository(),
    questions: new QuestionsRepository(),
    backups: new BackupRepository(keyChecks),
  };
}

/**
 * The one owner of each table. A repository may own a table and the tables derived from it or
 * hanging off it (sessions with their transitions and counts, endpoints with their secrets,
 * deliveries with their attempts, the audit log with its head). A table added to `DB` without an
 * owner here does not compile; `test/unit/table-owners.test.ts` checks that each table's name
 * appears in its owner's file only.
 */
export const TABLE_OWNERS = {
  sales_channels: 'channels',
  sales_channel_settings: 'channels',
  api_keys: 'channels',
  qualification_sessions: 'sessions',
  session_transitions: 'sessions',
  session_counts: 'sessions',
  idempotency_keys: 'idempotencyKeys',
  events: 'events',
  webhook_endpoints: 'endpoints',
  webhook_endpoint_secrets: 'endpoints',
  webhook_deliveries: 'deliveries',
  webhook_attempts: 'deliveries',
  clinicians: 'clinicians',
  console_sessions: 'consoleSessions',
  survey_responses: 'surveyResponses',
  reviews: 'reviews',
  lmns: 'lmns',
  letter_checks: 'letterChecks',
  mail_outbox: 'mailOutbox',
  survey_drafts: 'surveyDrafts',
  audit_log: 'audit',
  audit_head: 'audit',
  key_checks: 'keyChecks',
  dashboard_users: 'dashboardUsers',
  dashboard_memberships: 'dashboardUsers',
  dashboard_sessions: 'dashboardSessions',
  session_daily_counts: 'sessions',
  auth_totp: 'totp',
  auth_recovery_codes: 'totp',
  auth_throttle: 'throttle',
  review_claims: 'reviews',
  session_questions: 'questions',
} as const satisfies Record<keyof DB, keyof Repositories>;
