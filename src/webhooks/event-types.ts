/** SPEC §3.2 — event types an endpoint can subscribe to (`webhook_endpoint.test` always reaches its target). */
export const SUBSCRIBABLE_EVENTS = [
  'qualification_session.complete',
  'qualification_session.processing',
] as const;
export type SubscribableEvent = (typeof SUBSCRIBABLE_EVENTS)[number];

export const DEFAULT_EVENTS: readonly SubscribableEvent[] = ['qualification_session.complete'];

/** The compat spelling of SPEC §3.2 is accepted on input and stored under the canonical name. */
const ALIASES: Record<string, SubscribableEvent> = {
  qualification_session_complete: 'qualification_session.complete',
  qualification_session_processing: 'qualification_session.processing',
};

/** Canonical event type, or undefined for an unknown one. */
export function canonicalEvent(name: string): SubscribableEvent | undefined {
  const trimmed = name.trim();
  if ((SUBSCRIBABLE_EVENTS as readonly string[]).includes(trimmed)) return trimmed as SubscribableEvent;
  return ALIASES[trimmed];
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
