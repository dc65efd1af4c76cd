import { type Static, Type } from 'typebox';
import { REJECTION_REASONS, SESSION_STATUSES } from './sessions.vocabulary.js';

/**
 * One schema, four jobs: request validation, TypeScript types, response serialization
 * (undeclared fields are dropped on the way out) and the OpenAPI document.
 * `x-error` is the message a failed `pattern` or `format` gives, after the field name.
 */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

// Issue 14 item 5 — realistic examples, so /docs "Try it out" sends a sensible request.
export const EXAMPLE_SESSION_ID = 'qs_30fe749e-a7ee-4e5f-9d0c-ecadc0232f28';
const EXAMPLE_SUCCESS_URL = 'https://shop.example/checkout/thanks?session={{qualification_session_id}}';
const EXAMPLE_FAILURE_URL = 'https://shop.example/cart?session={{qualification_session_id}}';
const EXAMPLE_ITEM = {
  sku: 'VIT-D3-2000',
  name: 'Vitamin D3 2000 IU, 120 softgels',
  price: 1299,
  quantity: 2,
};

// Optional in the body because the `Idempotency-Key` header may carry it instead (issue 14 item
// 2); the route requires one of the two (src/http/idempotency-key.ts).
export const IdempotencyKey = Type.String({
  minLength: 1,
  maxLength: 255,
  description:
    'Makes retries safe; scoped to the sales channel (create) or the session (update). Required here or in the `Idempotency-Key` header.',
  examples: ['order-1001'],
});

// Not `format: 'uri'`: it refuses `{` and `}`, and merchants put the `{{qualification_session_id}}`
// placeholder (SPEC §2.2) into their redirect URLs. `http-url`: the WHATWG URL parser accepts it,
// so the shopper can be redirected (to its ASCII form when it has non-ASCII characters).
// `x-format: uri` is documented as `format: uri` in OpenAPI (src/http/openapi-formats.ts) without
// changing what the validator accepts.
const RedirectUrl = Type.String({
  maxLength: 2048,
  pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#]+[^\\s]*$',
  format: 'http-url',
  'x-error': 'must be an absolute http or https URL',
  'x-format': 'uri',
  description:
    'Absolute http(s) URL; `{{qualification_session_id}}` anywhere in it is replaced by the session id before the redirect.',
  examples: [EXAMPLE_SUCCESS_URL],
});
const Email = Type.String({
  maxLength: 254,
  format: 'email',
  'x-error': 'must be an email address',
  examples: ['shopper@example.com'],
});

const OrderItemInput = Type.Object(
  {
    sku: Type.String({ minLength: 1, maxLength: 255, examples: [EXAMPLE_ITEM.sku] }),
    name: Type.Optional(Nullable(Type.String({ maxLength: 255, examples: [EXAMPLE_ITEM.name] }))),
    price: Type.Optional(
      Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'cents', examples: [1299] })),
    ),
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, examples: [2] })),
  },
  { additionalProperties: false, examples: [EXAMPLE_ITEM] },
);

export const CreateSessionBody = Type.Object(
  {
    idempotency_key: Type.Optional(IdempotencyKey),
    order_items: Type.Optional(Type.Array(OrderItemInput, { maxItems: 100 })),
    success_url: Type.Optional(Nullable(RedirectUrl)),
    failure_url: Type.Optional(Nullable(RedirectUrl)),
    user_id: Type.Optional(Nullable(Type.String({ maxLength: 255, examples: ['cus_8812'] }))),
    email: Type.Optional(Nullable(Email)),
    customer_email: Type.Optional(Nullable(Email)),
    customer_name: Type.Optional(Nullable(Type.String({ maxLength: 255, examples: ['Ada Lovelace'] }))),
    source: Type.Optional(Nullable(Type.String({ maxLength: 255, examples: ['web-checkout'] }))),
    metadata: Type.Optional(Nullable(Type.String({ maxLength: 4096, examples: ['{"order_id":"1001"}'] }))),
  },
  {
    additionalProperties: false,
    examples: [
      {
        idempotency_key: 'order-1001',
        email: 'shopper@example.com',
        customer_name: 'Ada Lovelace',
        user_id: 'cus_8812',
        order_items: [EXAMPLE_ITEM],
        success_url: EXAMPLE_SUCCESS_URL,
        failure_url: EXAMPLE_FAILURE_URL,
        source: 'web-checkout',
        metadata: '{"order_id":"1001"}',
      },
    ],
  },
);
export type CreateSessionBody = Static<typeof CreateSessionBody>;
/** What the service takes: the body with its key settled (body field or header). */
export type CreateSessionRequest = CreateSessionBody & { idempotency_key: string };

export const UpdateSessionBody = Type.Object(
  {
    idempotency_key: Type.Optional(IdempotencyKey),
    user_id: Type.Optional(Nullable(Type.String({ maxLength: 255, examples: ['cus_8812'] }))),
    metadata: Type.Optional(Nullable(Type.String({ maxLength: 4096, examples: ['{"order_id":"1001"}'] }))),
    success_url: Type.Optional(Nullable(RedirectUrl)),
    failure_url: Type.Optional(Nullable(RedirectUrl)),
  },
  {
    additionalProperties: false,
    examples: [{ idempotency_key: 'attach-user-1001', user_id: 'cus_8812', metadata: '{"order_id":"1001"}' }],
  },
);
export type UpdateSessionBody = Static<typeof UpdateSessionBody>;
export type UpdateSessionRequest = UpdateSessionBody & { idempotency_key: string };

// No length limit here: an over-long id is an unknown session (404, SPEC §1.5), not a 400. The
// router already refuses path parameters over 200 characters, also with a 404.
export const SessionIdParams = Type.Object({
  qualification_session_id: Type.String({ examples: [EXAMPLE_SESSION_ID] }),
});
export type SessionIdParams = Static<typeof SessionIdParams>;

const StatusEnum = Type.Enum([...SESSION_STATUSES]);
const ReasonEnum = Type.Enum([...REJECTION_REASONS]);
const DateTime = Type.String({ format: 'date-time' });

export const OrderItem = Type.Object(
  {
    sku: Type.String(),
    name: Nullable(Type.String()),
    price: Nullable(Type.Integer()),
    quantity: Type.Integer(),
  },
  { examples: [EXAMPLE_ITEM] },
);

const EXAMPLE_SESSION = {
  qualification_session_id: EXAMPLE_SESSION_ID,
  status: 'pending',
  created_at: '2026-11-28T21:05:30.549Z',
  email: 'shopper@example.com',
  expires_at: null,
  lmn_reviewed_at: null,
  source: 'web-checkout',
  user_id: 'cus_8812',
  skus_param: EXAMPLE_ITEM.sku,
  eligible_amount: null,
  fee: null,
  customer_status: null,
  session_type: null,
  user_business_id: null,
  charge_group_created_at: null,
  stripe_invoice_id: null,
  stripe_invoice_number: null,
  stripe_invoice_paid_at: null,
  metadata: '{"order_id":"1001"}',
  customer_name: 'Ada Lovelace',
  success_url: EXAMPLE_SUCCESS_URL,
  failure_url: EXAMPLE_FAILURE_URL,
  order_items: [EXAMPLE_ITEM],
  redirect_url: `https://qualify.example/q/${EXAMPLE_SESSION_ID}?t=Cyfo4wmtG1LItCBflC22tPvRpqilAsD-`,
  rejection_reason: null,
  livemode: false,
  updated_at: '2026-11-28T21:05:30.549Z',
};
export type OrderItem = Static<typeof OrderItem>;

export const QualificationSession = Type.Object(
  {
    qualification_session_id: Type.String({ examples: ['qs_9f8b7c6d-1234-4e56-8a9b-0c1d2e3f4a5b'] }),
    status: StatusEnum,
    created_at: DateTime,
    email: Nullable(Type.String()),
    expires_at: Nullable(DateTime),
    lmn_reviewed_at: Nullable(DateTime),
    source: Nullable(Type.String()),
    user_id: Nullable(Type.String()),
    skus_param: Nullable(Type.String()),
    eligible_amount: Nullable(Type.Integer({ description: 'cents covered by the LMN' })),
    fee: Type.Null(),
    customer_status: Type.Null(),
    session_type: Type.Null(),
    user_business_id: Type.Null(),
    charge_group_created_at: Type.Null(),
    stripe_invoice_id: Type.Null(),
    stripe_invoice_number: Type.Null(),
    stripe_invoice_paid_at: Type.Null(),
    metadata: Nullable(Type.String()),
    customer_name: Nullable(Type.String()),
    // Documented as URIs (`x-format`, src/http/openapi-formats.ts): a real `format` here would
    // make the serializer's anyOf check refuse a stored `{{qualification_session_id}}` placeholder.
    success_url: Nullable(Type.String({ 'x-format': 'uri' })),
    failure_url: Nullable(Type.String({ 'x-format': 'uri' })),
    order_items: Type.Array(OrderItem),
    redirect_url: Type.String({ format: 'uri', description: 'The shopper link' }),
    rejection_reason: Nullable(ReasonEnum),
    livemode: Type.Boolean(),
    updated_at: DateTime,
  },
  { additionalProperties: false, $id: 'QualificationSession', examples: [EXAMPLE_SESSION] },
);
export type QualificationSession = Static<typeof QualificationSession>;

export const UpdateSessionResponse = Type.Object(
  { qualification_session_id: Type.String(), status: StatusEnum },
  {
    additionalProperties: false,
    examples: [{ qualification_session_id: EXAMPLE_SESSION_ID, status: 'pending' }],
  },
);
export type UpdateSessionResponse = Static<typeof UpdateSessionResponse>;

export const ListSessionsQuery = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 30 })),
    status: Type.Optional(
      Type.String({
        pattern: `^(${SESSION_STATUSES.join('|')})(,(${SESSION_STATUSES.join('|')}))*$`,
        'x-error': `must be one or more of ${SESSION_STATUSES.join(', ')}, separated by commas`,
      }),
    ),
    user_id: Type.Optional(Type.String({ maxLength: 255 })),
    expires_at: Type.Optional(
      Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', 'x-error': 'must be a date as YYYY-MM-DD' }),
    ),
    search: Type.Optional(Type.String({ maxLength: 255 })),
  },
  { additionalProperties: false },
);
export type ListSessionsQuery = Static<typeof ListSessionsQuery>;

/** SPEC §1.6 — the pagination object of every paged list. */
export const Pagination = Type.Object({
  current_page: Type.Integer(),
  page_size: Type.Integer(),
  total_count: Type.Integer(),
  count: Type.Integer({ description: 'The same value as `total_count` (the name other clients use)' }),
  last_page: Type.Integer(),
});
export type Pagination = Static<typeof Pagination>;

export const ListSessionsResponse = Type.Object(
  {
    qualification_sessions: Type.Array(QualificationSession),
    pagination: Pagination,
  },
  {
    additionalProperties: false,
    examples: [
      {
        qualification_sessions: [EXAMPLE_SESSION],
        pagination: { current_page: 1, page_size: 30, total_count: 1, count: 1, last_page: 1 },
      },
    ],
  },
);

/** Issue 12 item 6 — a session's events (the outbox rows its transitions wrote), paged like the list. */
export const SessionEventsQuery = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 30 })),
  },
  { additionalProperties: false },
);
export type SessionEventsQuery = Static<typeof SessionEventsQuery>;

export const SessionEvent = Type.Object(
  {
    event_id: Type.String(),
    type: Type.String({ description: 'The webhook event type' }),
    qualification_session_id: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
    data: Type.Record(Type.String(), Type.Unknown(), {
      description: 'The webhook payload’s `data`: merchant-visible fields only',
    }),
  },
  { additionalProperties: false },
);
export type SessionEvent = Static<typeof SessionEvent>;

export const SessionEventsResponse = Type.Object(
  { events: Type.Array(SessionEvent), pagination: Pagination },
  {
    additionalProperties: false,
    examples: [
      {
        events: [
          {
            event_id: 'ev_5c4b3a29-1807-4f6e-9d5c-4b3a29180716',
            type: 'qualification_session.processing',
            qualification_session_id: EXAMPLE_SESSION_ID,
            created_at: '2026-11-28T21:05:30.549Z',
            data: { qualification_session_id: EXAMPLE_SESSION_ID, status: 'processing' },
          },
        ],
        pagination: { current_page: 1, page_size: 30, total_count: 1, count: 1, last_page: 1 },
      },
    ],
  },
);

// SPEC §5 — test helpers.
export const TestSubmitBody = Type.Object(
  {
    email: Type.Optional(Nullable(Email)),
    state: Type.Optional(
      Nullable(
        Type.String({
          pattern: '^[A-Z]{2}$',
          'x-error': 'must be a two-letter US state code',
          examples: ['CA'],
        }),
      ),
    ),
  },
  { additionalProperties: false, examples: [{ email: 'shopper@example.com', state: 'CA' }] },
);
export type TestSubmitBody = Static<typeof TestSubmitBody>;

export const TestApproveBody = Type.Object(
  {
    validity_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, examples: [30] })),
    sku: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 100 })),
  },
  { additionalProperties: false, examples: [{ validity_days: 30, sku: [EXAMPLE_ITEM.sku] }] },
);
export type TestApproveBody = Static<typeof TestApproveBody>;

export const TestRejectBody = Type.Object(
  {
    reason: Type.Optional(ReasonEnum),
  },
  { additionalProperties: false, examples: [{ reason: 'no_qualifying_condition' }] },
);
export type TestRejectBody = Static<typeof TestRejectBody>;

export const ErrorResponse = Type.Object(
  {
    error: Type.String(),
    message: Type.String(),
    request_id: Type.String(),
  },
  {
    $id: 'Error',
    additionalProperties: false,
    examples: [
      {
        error: 'ValidationError',
        message: 'email must be an email address',
        request_id: 'req_7cde5cd39b1a530e77a913d1',
      },
    ],
  },
);
