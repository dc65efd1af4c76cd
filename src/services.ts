import { AuditService } from './audit/audit.service.js';
import { SignInThrottle } from './auth/throttle.service.js';
import { TotpService } from './auth/totp.service.js';
import { ChannelsService } from './channels/channels.service.js';
import type { Config } from './config.js';
import { CliniciansService } from './console/clinicians.service.js';
import { ConsoleAuthService } from './console/console-auth.service.js';
import { ReviewService } from './console/review.service.js';
import type { Database } from './db/database.js';
import { EventsService } from './events/events.service.js';
import { IdempotencyService } from './idempotency/idempotency.service.js';
import { type Clock, systemClock } from './lib/clock.js';
import { LmnService } from './lmn/lmn.service.js';
import { MetricsService } from './metrics/metrics.service.js';
import { PhiCipher } from './phi/phi.cipher.js';
import { createRepositories, type Repositories } from './repositories.js';
import { LifecycleService } from './sessions/lifecycle.service.js';
import { SessionsService } from './sessions/sessions.service.js';
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
  readonly channels: ChannelsService;
  readonly events: EventsService;
  readonly idempotency: IdempotencyService;
  readonly lifecycle: LifecycleService;
  readonly sessions: SessionsService;
  readonly metrics: MetricsService;
  readonly webhookEndpoints: WebhookEndpointsService;
  readonly webhookDeliveries: WebhookDeliveriesService;
  readonly audit: AuditService;
  readonly clinicians: CliniciansService;
  readonly consoleAuth: ConsoleAuthService;
  readonly lmn: LmnService;
  readonly survey: SurveyService;
  readonly review: ReviewService;
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
  const events = new EventsService(clock, repos);
  const idempotency = new IdempotencyService(database, clock, repos.idempotencyKeys);
  const lifecycle = new LifecycleService(clock, repos.sessions, events);
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
    { sessions: repos.sessions, responses: repos.surveyResponses },
    [config.secret, ...config.previousSecrets],
    cipher,
    lifecycle,
    audit,
    lmn,
    loadSurveyDefinition(),
  );
  return {
    config,
    database,
    clock,
    repositories: repos,
    channels: new ChannelsService(database, clock, repos.channels),
    events,
    idempotency,
    lifecycle,
    sessions: new SessionsService(database, clock, repos.sessions, idempotency, lifecycle, presenter),
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
    ),
  };
}
