import { iso } from '../lib/clock.js';
import type { SessionRow } from '../sessions/sessions.repository.js';

/** The webhook `data` of an event: merchant-visible fields only, never health information. */
export type EventData = Record<string, unknown>;

interface EventTypeDefinition<Source> {
  /** An endpoint can subscribe to it; the others reach only the endpoint the event names. */
  subscribable: boolean;
  /** SPEC §3.1 — subscribed to when an endpoint is created without `events`. */
  byDefault: boolean;
  /** SPEC §3.2 — the compat spelling, accepted on input and stored under the canonical name. */
  alias: string | null;
  /** When it is sent, for the API documentation. */
  description: string;
  /** Builds the event's `data` from what the emitter has at hand. */
  payload(source: Source): EventData;
}

const eventType = <Source>(definition: EventTypeDefinition<Source>) => definition;

/** SPEC §3.2 — the webhook payload of a session event: exactly these fields, no health information. */
function sessionData(session: SessionRow): EventData {
  return {
    qualification_session_id: session.id,
    status: session.status,
    email: session.email,
    expires_at: iso(session.expires_at),
    user_id: session.user_id,
    source: session.source,
    rejection_reason: session.rejection_reason,
  };
}

/**
 * SPEC §3.2 — the one registry of webhook event types. A new type is an entry here and a call at
 * its emitter (`EventsService.record` takes the source its payload builder needs); the webhook
 * API's validation, documentation and OpenAPI read this list.
 */
export const EVENT_TYPES = {
  'qualification_session.complete': eventType<SessionRow>({
    subscribable: true,
    byDefault: true,
    alias: 'qualification_session_complete',
    description: 'a session was approved or rejected (once per session)',
    payload: sessionData,
  }),
  'qualification_session.processing': eventType<SessionRow>({
    subscribable: true,
    byDefault: false,
    alias: 'qualification_session_processing',
    description: 'the shopper submitted the survey; the session waits for review',
    payload: sessionData,
  }),
  'qualification_session.information_requested': eventType<SessionRow>({
    subscribable: true,
    byDefault: false,
    alias: null,
    description:
      'the clinician asked the shopper a question; the session stays processing until the shopper answers on their link',
    // Why the session waits, never what was asked: the question is health information.
    payload: (session) => ({ ...sessionData(session), waiting_for: 'shopper_answer' }),
  }),
  'webhook_endpoint.test': eventType<{ endpointId: string; sentAt: number }>({
    subscribable: false,
    byDefault: false,
    alias: null,
    description: 'asked for through the test call; always reaches that one endpoint',
    payload: ({ endpointId, sentAt }) => ({
      webhook_endpoint_id: endpointId,
      message: 'Test event from Qualify',
      sent_at: iso(sentAt),
    }),
  }),
} satisfies Record<string, EventTypeDefinition<never>>;

export type EventType = keyof typeof EVENT_TYPES;
/** What the emitter of `T` passes: the argument of its payload builder. */
export type EventSource<T extends EventType> = Parameters<(typeof EVENT_TYPES)[T]['payload']>[0];

type Entry = [EventType, EventTypeDefinition<never>];
const ENTRIES = Object.entries(EVENT_TYPES) as Entry[];

export const EVENT_TYPE_NAMES = ENTRIES.map(([name]) => name);

/** SPEC §3.2 — event types an endpoint can subscribe to. */
export const SUBSCRIBABLE_EVENTS = ENTRIES.filter(([, d]) => d.subscribable).map(([name]) => name);
export const DEFAULT_EVENTS = ENTRIES.filter(([, d]) => d.byDefault).map(([name]) => name);

const BY_NAME = new Map<string, EventType>(
  ENTRIES.filter(([, d]) => d.subscribable).flatMap(([name, d]) =>
    d.alias === null
      ? [[name, name]]
      : [
          [name, name],
          [d.alias, name],
        ],
  ),
);

/** The canonical name of a subscribable event type (or of its alias), or undefined for any other name. */
export function canonicalEvent(name: string): EventType | undefined {
  return BY_NAME.get(name.trim());
}

/** The data of an event of type `type`, built by its registered payload builder. */
export function eventData<T extends EventType>(type: T, source: EventSource<T>): EventData {
  return (EVENT_TYPES[type].payload as (source: EventSource<T>) => EventData)(source);
}

/** The `events` field's documentation, from the registry (OpenAPI). */
export function describeSubscribableEvents(): string {
  const subscribable = ENTRIES.filter(([, d]) => d.subscribable).map(
    ([name, d]) =>
      `\`${name}\`${d.alias ? ` (or \`${d.alias}\`)` : ''}${d.byDefault ? ', the default' : ''}: ${d.description}`,
  );
  const others = ENTRIES.filter(([, d]) => !d.subscribable).map(
    ([name, d]) => `\`${name}\` needs no subscription: ${d.description}`,
  );
  return [`Event types to subscribe to. ${subscribable.join('. ')}.`, ...others.map((o) => `${o}.`)].join(
    ' ',
  );
}

/** Whether an endpoint's stored subscription list (JSON array) includes `type`. */
export function subscribes(storedEvents: string, type: string): boolean {
  try {
    const list = JSON.parse(storedEvents) as unknown;
    return Array.isArray(list) && list.includes(type);
  } catch {
    return false;
  }
}
