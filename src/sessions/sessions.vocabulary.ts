/**
 * SPEC §2.1 — the closed vocabularies of a session, each one runtime list that the row types
 * (`db/schema.ts`), the TypeBox schemas and the services all derive their types from.
 */
export const SESSION_STATUSES = ['pending', 'processing', 'approved', 'rejected'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** The statuses a clinician's decision (a `reviews` row) ends in. */
export const REVIEW_DECISIONS = ['approved', 'rejected'] as const satisfies readonly SessionStatus[];
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];

/** SPEC §1.3 — `rejection_reason`. */
export const REJECTION_REASONS = [
  'no_qualifying_condition',
  'insufficient_information',
  'items_not_covered',
  'state_not_serviceable',
  'age_ineligible',
  'clinician_declined',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** Who caused a transition (SPEC §2.4: automatic rejections are actor `rules`). */
export const TRANSITION_ACTORS = ['shopper', 'clinician', 'rules', 'test_helper'] as const;
export type TransitionActor = (typeof TRANSITION_ACTORS)[number];
