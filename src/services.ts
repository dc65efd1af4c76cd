import { ChannelsService } from './channels/channels.service.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import { EventsService } from './events/events.service.js';
import { IdempotencyService } from './idempotency/idempotency.service.js';
import { type Clock, systemClock } from './lib/clock.js';
import { LifecycleService } from './sessions/lifecycle.service.js';
import { SessionsService } from './sessions/sessions.service.js';

/** Every service, wired once; routes and the CLI take what they need from here. */
export interface Services {
  readonly config: Config;
  readonly database: Database;
  readonly clock: Clock;
  readonly channels: ChannelsService;
  readonly events: EventsService;
  readonly idempotency: IdempotencyService;
  readonly lifecycle: LifecycleService;
  readonly sessions: SessionsService;
}

export function createServices(config: Config, database: Database, clock: Clock = systemClock): Services {
  const events = new EventsService(clock);
  const idempotency = new IdempotencyService(database, clock);
  const lifecycle = new LifecycleService(clock, events);
  const presenter = { publicUrl: config.publicUrl, secret: config.secret };
  return {
    config,
    database,
    clock,
    channels: new ChannelsService(database, clock),
    events,
    idempotency,
    lifecycle,
    sessions: new SessionsService(database, clock, idempotency, lifecycle, presenter),
  };
}
