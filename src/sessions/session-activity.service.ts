import type { Database } from '../db/database.js';
import type { EventRow, EventsRepository } from '../events/events.repository.js';
import { iso } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import type { DeliveriesRepository } from '../webhooks/deliveries.repository.js';
import {
  type PresentedDeliveryWithAttempts,
  presentDeliveryWithAttempts,
} from '../webhooks/webhooks.presenter.js';
import { pagination } from './sessions.presenter.js';
import type { PublicSessionRow, SessionsRepository } from './sessions.repository.js';
import type { Pagination, SessionEvent } from './sessions.schemas.js';
import type { RejectionReason, SessionStatus, TransitionActor } from './sessions.vocabulary.js';

export interface SessionTransition {
  from_status: SessionStatus;
  to_status: SessionStatus;
  actor: TransitionActor;
  created_at: string;
}

/** What the dashboard's session page shows besides the session itself. */
export interface SessionActivity {
  transitions: SessionTransition[];
  events: SessionEvent[];
  deliveries: PresentedDeliveryWithAttempts[];
  rejection_reason: RejectionReason | null;
}

export function presentEvent(row: EventRow): SessionEvent {
  return {
    event_id: row.id,
    type: row.type,
    qualification_session_id: row.session_id ?? '',
    created_at: iso(row.created_at),
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

/** The deliveries a session page lists at most (a session has a handful: one per event and endpoint). */
const SESSION_DELIVERIES_LIMIT = 200;

/**
 * Issue 12 items 2 and 6 — what happened to one session, for its channel only (another channel's
 * session is not found): its transitions, its events and its webhook deliveries with each attempt.
 * Nothing here carries health information: transitions name statuses and actors, events carry the
 * webhook payload.
 */
export class SessionActivityService {
  constructor(
    private readonly database: Database,
    private readonly repos: {
      sessions: SessionsRepository;
      events: EventsRepository;
      deliveries: DeliveriesRepository;
    },
  ) {}

  async events(
    channelId: string,
    sessionId: string,
    page = 1,
    pageSize = 30,
  ): Promise<{ events: SessionEvent[]; pagination: Pagination }> {
    await this.mustFind(channelId, sessionId);
    const db = this.database.db;
    const [rows, total] = await Promise.all([
      this.repos.events.listForSession(db, channelId, sessionId, pageSize, (page - 1) * pageSize),
      this.repos.events.countForSession(db, channelId, sessionId),
    ]);
    return { events: rows.map(presentEvent), pagination: pagination(page, pageSize, total) };
  }

  async activity(channelId: string, sessionId: string): Promise<SessionActivity> {
    const session = await this.mustFind(channelId, sessionId);
    const db = this.database.db;
    const [transitions, events, deliveries] = await Promise.all([
      this.repos.sessions.transitions(db, sessionId),
      this.repos.events.listForSession(db, channelId, sessionId, 500, 0),
      this.repos.deliveries.page(db, { channelId, sessionId }, SESSION_DELIVERIES_LIMIT, 0),
    ]);
    const attempts = await this.repos.deliveries.attemptsOf(
      db,
      deliveries.map((d) => d.id),
    );
    return {
      transitions: transitions.map((t) => ({
        from_status: t.from_status,
        to_status: t.to_status,
        actor: t.actor,
        created_at: iso(t.created_at),
      })),
      events: events.map(presentEvent),
      deliveries: deliveries.map((d) =>
        presentDeliveryWithAttempts(
          d,
          attempts.filter((a) => a.webhook_delivery_id === d.id),
        ),
      ),
      rejection_reason: session.rejection_reason,
    };
  }

  private async mustFind(channelId: string, sessionId: string): Promise<PublicSessionRow> {
    const session = await this.repos.sessions.findInChannel(this.database.db, channelId, sessionId);
    if (!session) throw new ApiError('NotFound', `no qualification session ${sessionId}`);
    return session;
  }
}
