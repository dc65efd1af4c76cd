import { AuditService } from './audit/audit.service.js';
import { SignInThrottle } from './auth/throttle.service.js';
import { TotpService } from './auth/totp.service.js';
import { ChannelsService } from './channels/channels.service.js';
import type { Config } from './config.js';
import { CliniciansService } from './console/clinicians.service.js';
import { ConsoleAuthService } from './console/console-auth.service.js';
import { ReviewService } from './console/review.service.js';
import { DashboardAuthService } from './dashboard/dashboard-auth.service.js';
import type { Database } from './db/database.js';
import { Notifications } from './db/notifications.js';
import { EventsService } from './events/events.service.js';
import { IdempotencyService } from './idempotency/idempotency.service.js';
import { type Clock, systemClock } from './lib/clock.js';
import { LetterAccessService } from './lmn/letter-access.service.js';
import { LmnService } from './lmn/lmn.service.js';
import { MailService } from './mail/mail.service.js';
import { MetricsService } from './metrics/metrics.service.js';
import { PhiCipher } from './phi/phi.cipher.js';
import { createRepositories, type Repositories } from './repositories.js';
import { LifecycleService } from './sessions/lifecycle.service.js';
import { SessionActivityService } from './sessions/session-activity.service.js';
import { SessionsService } from './sessions/sessions.service.js';
import { StatsService } from './stats/stats.service.js';
import { loadSurveyDefinition } from './survey/definition.js';
import { SurveyService } from './survey/survey.service.js';
import { WebhookDeliveriesService } from './webhooks/deliveries.service.js';
import { WebhookEndpointsService } from './webhooks/endpoints.service.js';
import { webhookPolicy } from './webhooks/policy.js';

/** Every service, wired once; routes and the CLI take what they need from here. */
export interface Services {
  readonly config: Config;
  readonly database: Database;
  readonly clock: Clock;
  /** For the webhook dispatcher (`webhooks/runtime.ts`), which works below the services; routes never. */
  readonly repositories: Repositories;
  /** Signals between the instances on this database (issue 9 item 5); `serve` starts its listener. */
  readonly notifications: Notifications;
  readonly channels: ChannelsService;
  readonly events: EventsService;
  readonly idempotency: IdempotencyService;
  readonly lifecycle: LifecycleService;
  /** Issue 10 item 2 — the mail outbox; other services enqueue through `enqueue(tx, …)`. */
  readonly mail: MailService;
  readonly sessions: SessionsService;
  readonly metrics: MetricsService;
  readonly webhookEndpoints: WebhookEndpointsService;
  readonly webhookDeliveries: WebhookDeliveriesService;
  readonly audit: AuditService;
  readonly clinicians: CliniciansService;
  readonly consoleAuth: ConsoleAuthService;
  readonly lmn: LmnService;
  readonly letterAccess: LetterAccessService;
  readonly survey: SurveyService;
  readonly review: ReviewService;
  /** Issue 12 — a session's transitions, events and deliveries; the overview's aggregates. */
  readonly sessionActivity: SessionActivityService;
  readonly stats: StatsService;
  readonly dashboardAuth: DashboardAuthService;
  /** Issue 11 — generic sign-in modules (`src/auth/`): any kind of account may use them. */
  readonly throttle: SignInThrottle;
  readonly totp: TotpService;
}

export function createServices(
  config: Config,
  database: Database,
  clock: Clock = systemClock,
  repos: Repositories = createRepositories(),
): Services {
  const notifications = new Notifications(database);
  const events = new EventsService(clock, repos, notifications);
  const channels = new ChannelsService(database, clock, repos.channels);
  const idempotency = new IdempotencyService(database, clock, repos.idempotencyKeys, config.secret);
  const mail = new MailService(
    database,
    clock,
    { outbox: repos.mailOutbox, sessions: repos.sessions, channels: repos.channels },
    config,
  );
  const lifecycle = new LifecycleService(clock, repos.sessions, events, mail);
  const presenter = { publicUrl: config.publicUrl, secret: config.secret };
  // SPEC §2 — the human side: survey, console, letters, health-data protection.
  const cipher = new PhiCipher(config.secret, config.previousSecrets);
  const audit = new AuditService(database, clock, repos.audit, [config.secret, ...config.previousSecrets]);
  const throttle = new SignInThrottle(database, clock, repos.throttle);
  const totp = new TotpService(database, clock, repos.totp, cipher);
  const clinicians = new CliniciansService(
    database,
    clock,
    repos.clinicians,
    repos.consoleSessions,
    totp,
    audit,
  );
  const lmn = new LmnService(database, clock, repos.lmns, cipher);
  const survey = new SurveyService(
    database,
    clock,
    { sessions: repos.sessions, responses: repos.surveyResponses, drafts: repos.surveyDrafts },
    [config.secret, ...config.previousSecrets],
    cipher,
    lifecycle,
    audit,
    channels,
    loadSurveyDefinition(),
  );
  const letterAccess = new LetterAccessService(
    database,
    clock,
    { sessions: repos.sessions, letterChecks: repos.letterChecks },
    [config.secret, ...config.previousSecrets],
    survey,
    lmn,
    audit,
  );
  return {
    config,
    database,
    clock,
    repositories: repos,
    notifications,
    channels,
    events,
    idempotency,
    lifecycle,
    mail,
    sessions: new SessionsService(database, clock, repos.sessions, idempotency, lifecycle, presenter, {
      answers: (id) => survey.answers(id),
      issue: async (tx, approved, answers, skus) => {
        await lmn.issueTestLetter(tx, approved, answers, survey.definition, skus);
      },
    }),
    metrics: new MetricsService(database, clock, repos),
    webhookEndpoints: new WebhookEndpointsService(
      database,
      clock,
      repos,
      events,
      cipher,
      webhookPolicy(config),
    ),
    webhookDeliveries: new WebhookDeliveriesService(database, clock, repos.deliveries, repos.endpoints),
    audit,
    clinicians,
    consoleAuth: new ConsoleAuthService(
      database,
      clock,
      repos.consoleSessions,
      clinicians,
      audit,
      throttle,
      totp,
      config.consoleMfa,
    ),
    throttle,
    totp,
    lmn,
    letterAccess,
    survey,
    review: new ReviewService(
      database,
      clock,
      {
        sessions: repos.sessions,
        reviews: repos.reviews,
        clinicians: repos.clinicians,
        questions: repos.questions,
      },
      cipher,
      lifecycle,
      survey,
      lmn,
      audit,
      events,
      mail,
    ),
    sessionActivity: new SessionActivityService(database, repos),
    stats: new StatsService(database, clock, repos),
    dashboardAuth: new DashboardAuthService(
      database,
      clock,
      repos,
      audit,
      config.publicUrl,
      throttle,
      totp,
      config.dashboardMfa,
    ),
  };
}
