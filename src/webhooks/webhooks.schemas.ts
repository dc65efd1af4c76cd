import { type Static, Type } from 'typebox';
import { Pagination } from '../sessions/sessions.schemas.js';
import { MAX_ROTATION_OVERLAP_MS, MAX_URL_LENGTH } from './endpoints.service.js';
import { describeSubscribableEvents, EVENT_TYPE_NAMES, SUBSCRIBABLE_EVENTS } from './event-types.js';
import { DELIVERY_STATUSES, WEBHOOK_MODES } from './webhooks.vocabulary.js';

/** SPEC §3.1/§3.4 — schemas of the webhook API (an extension of the Truemed API). */
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });
const Mode = Type.Enum([...WEBHOOK_MODES]);

// Issue 14 item 5 — examples for /docs.
const EXAMPLE_ENDPOINT_ID = 'we_0b6f1c3e-5a2d-4c8e-9f10-2b3c4d5e6f70';
const EXAMPLE_DELIVERY_ID = 'wd_6a1d2c3b-4e5f-4a7b-8c9d-0e1f2a3b4c5d';
const EXAMPLE_HOOK_URL = 'https://shop.example/hooks/qualify';
const EXAMPLE_ENDPOINT = {
  webhook_endpoint_id: EXAMPLE_ENDPOINT_ID,
  sales_channel_id: 'sc_192f781e-a900-4622-b291-08dc5ffd8919',
  url: EXAMPLE_HOOK_URL,
  mode: 'signed',
  legacy: false,
  events: ['qualification_session.complete', 'qualification_session.processing'],
  enabled: true,
  disabled_at: null,
  disabled_reason: null,
  created_at: '2026-11-28T21:05:30.549Z',
  updated_at: '2026-11-28T21:05:30.549Z',
};
const EXAMPLE_SECRET = 'whsec_J2n5Yq8vQk3xW7rT1mP4sL6dF9gH0cBz';

export const CreateEndpointBody = Type.Object(
  {
    url: Type.String({
      minLength: 1,
      maxLength: MAX_URL_LENGTH,
      description: 'absolute http(s) URL',
      'x-format': 'uri',
      examples: [EXAMPLE_HOOK_URL],
    }),
    mode: Type.Optional(Mode),
    events: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
        minItems: 1,
        maxItems: 10,
        description: describeSubscribableEvents(),
      }),
    ),
    legacy: Type.Optional(
      Type.Boolean({
        description:
          'With mode "unsigned": keep this endpoint in the legacy unsigned mode on purpose. Required for unsigned endpoints in production.',
      }),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ url: EXAMPLE_HOOK_URL, events: ['qualification_session.complete'] }],
  },
);
export type CreateEndpointBody = Static<typeof CreateEndpointBody>;

export const RotateSecretBody = Type.Object(
  {
    overlap_seconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_ROTATION_OVERLAP_MS / 1000,
        description:
          'How long the previous secret keeps signing (default 86400, 24 h); 0 retires it at once.',
        examples: [86400],
      }),
    ),
  },
  { additionalProperties: false, examples: [{ overlap_seconds: 86400 }] },
);
export type RotateSecretBody = Static<typeof RotateSecretBody>;

// No maxLength: an over-long id is an unknown one (404), as for sessions.
export const EndpointIdParams = Type.Object({
  webhook_endpoint_id: Type.String({ examples: [EXAMPLE_ENDPOINT_ID] }),
});
export type EndpointIdParams = Static<typeof EndpointIdParams>;

export const DeliveryIdParams = Type.Object({
  webhook_delivery_id: Type.String({ examples: [EXAMPLE_DELIVERY_ID] }),
});
export type DeliveryIdParams = Static<typeof DeliveryIdParams>;

const endpointFields = {
  webhook_endpoint_id: Type.String({ examples: ['we_0b6f1c3e-5a2d-4c8e-9f10-2b3c4d5e6f70'] }),
  sales_channel_id: Type.String(),
  url: Type.String({ format: 'uri' }),
  mode: Mode,
  legacy: Type.Boolean({ description: 'An unsigned endpoint kept in the legacy mode on purpose' }),
  events: Type.Array(Type.Enum([...SUBSCRIBABLE_EVENTS])),
  enabled: Type.Boolean(),
  disabled_at: Nullable(DateTime),
  disabled_reason: Nullable(Type.String()),
  created_at: DateTime,
  updated_at: DateTime,
};

export const WebhookEndpoint = Type.Object(endpointFields, {
  additionalProperties: false,
  examples: [EXAMPLE_ENDPOINT],
});

export const WebhookEndpointWithSecret = Type.Object(
  {
    ...endpointFields,
    secret: Type.String({ description: '`whsec_…`; shown only in this response' }),
  },
  { additionalProperties: false, examples: [{ ...EXAMPLE_ENDPOINT, secret: EXAMPLE_SECRET }] },
);

export const ListEndpointsResponse = Type.Object(
  { webhook_endpoints: Type.Array(WebhookEndpoint) },
  { additionalProperties: false, examples: [{ webhook_endpoints: [EXAMPLE_ENDPOINT] }] },
);

export const QueuedTestEvent = Type.Object(
  { event_id: Type.String(), webhook_delivery_id: Type.String(), webhook_endpoint_id: Type.String() },
  {
    additionalProperties: false,
    examples: [
      {
        event_id: 'ev_5c4b3a29-1807-4f6e-9d5c-4b3a29180716',
        webhook_delivery_id: EXAMPLE_DELIVERY_ID,
        webhook_endpoint_id: EXAMPLE_ENDPOINT_ID,
      },
    ],
  },
);

export const DeletedEndpoint = Type.Object(
  { webhook_endpoint_id: Type.String(), deleted: Type.Literal(true) },
  { additionalProperties: false, examples: [{ webhook_endpoint_id: EXAMPLE_ENDPOINT_ID, deleted: true }] },
);

export const WebhookDelivery = Type.Object(
  {
    webhook_delivery_id: Type.String({ examples: ['wd_6a1d2c3b-4e5f-4a7b-8c9d-0e1f2a3b4c5d'] }),
    webhook_endpoint_id: Type.String(),
    event_id: Type.String(),
    event_type: Type.Enum([...EVENT_TYPE_NAMES]),
    qualification_session_id: Nullable(Type.String()),
    status: Type.Enum([...DELIVERY_STATUSES]),
    attempt_count: Type.Integer(),
    next_attempt_at: Nullable(DateTime),
    last_status_code: Nullable(Type.Integer()),
    last_error: Nullable(Type.String()),
    created_at: DateTime,
    updated_at: DateTime,
    completed_at: Nullable(DateTime),
  },
  {
    additionalProperties: false,
    examples: [
      {
        webhook_delivery_id: EXAMPLE_DELIVERY_ID,
        webhook_endpoint_id: EXAMPLE_ENDPOINT_ID,
        event_id: 'ev_5c4b3a29-1807-4f6e-9d5c-4b3a29180716',
        event_type: 'qualification_session.complete',
        qualification_session_id: 'qs_30fe749e-a7ee-4e5f-9d0c-ecadc0232f28',
        status: 'pending',
        attempt_count: 0,
        next_attempt_at: '2026-11-28T21:06:00.000Z',
        last_status_code: null,
        last_error: null,
        created_at: '2026-11-28T21:05:30.549Z',
        updated_at: '2026-11-28T21:05:30.549Z',
        completed_at: null,
      },
    ],
  },
);

/** SPEC §3.4 — one attempt of a delivery as the merchant sees it. */
export const WebhookAttempt = Type.Object(
  {
    attempt_number: Type.Integer(),
    attempted_at: DateTime,
    status_code: Nullable(Type.Integer()),
    error: Nullable(Type.String()),
    duration_ms: Type.Integer(),
    response_body: Nullable(Type.String({ description: 'The start of the receiver’s response' })),
  },
  { additionalProperties: false },
);

export const WebhookDeliveryWithAttempts = Type.Object(
  { ...WebhookDelivery.properties, attempts: Type.Array(WebhookAttempt) },
  { additionalProperties: false },
);

/** Issue 12 item 6 — an endpoint's delivery log: filters and the session list's paging. */
export const ListDeliveriesQuery = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 30 })),
    status: Type.Optional(
      Type.Enum([...DELIVERY_STATUSES], { description: 'Only deliveries in this status' }),
    ),
    event_type: Type.Optional(Type.Enum([...EVENT_TYPE_NAMES], { description: 'Only events of this type' })),
    created_from: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Created at or after this time',
        'x-error': 'must be a date-time',
      }),
    ),
    created_to: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Created before this time',
        'x-error': 'must be a date-time',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ListDeliveriesQuery = Static<typeof ListDeliveriesQuery>;

export const ListDeliveriesResponse = Type.Object(
  { webhook_deliveries: Type.Array(WebhookDeliveryWithAttempts), pagination: Pagination },
  {
    additionalProperties: false,
    examples: [
      {
        webhook_deliveries: [
          {
            webhook_delivery_id: EXAMPLE_DELIVERY_ID,
            webhook_endpoint_id: EXAMPLE_ENDPOINT_ID,
            event_id: 'ev_5c4b3a29-1807-4f6e-9d5c-4b3a29180716',
            event_type: 'qualification_session.complete',
            qualification_session_id: 'qs_30fe749e-a7ee-4e5f-9d0c-ecadc0232f28',
            status: 'succeeded',
            attempt_count: 1,
            next_attempt_at: null,
            last_status_code: 200,
            last_error: null,
            created_at: '2026-11-28T21:05:30.549Z',
            updated_at: '2026-11-28T21:05:30.702Z',
            completed_at: '2026-11-28T21:05:30.702Z',
            attempts: [
              {
                attempt_number: 1,
                attempted_at: '2026-11-28T21:05:30.561Z',
                status_code: 200,
                error: null,
                duration_ms: 141,
                response_body: '{"received":true}',
              },
            ],
          },
        ],
        pagination: { current_page: 1, page_size: 30, total_count: 1, count: 1, last_page: 1 },
      },
    ],
  },
);
