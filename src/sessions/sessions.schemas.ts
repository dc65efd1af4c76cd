import { type Static, Type } from 'typebox';
import { REJECTION_REASONS, SESSION_STATUSES } from './sessions.vocabulary.js';

/**
 * One schema, four jobs: request validation, TypeScript types, response serialization
 * (undeclared fields are dropped on the way out) and the OpenAPI document.
 * `x-error` is the message a failed `pattern` or `format` gives, after the field name.
 */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

// Optional in the body because the `Idempotency-Key` header may carry it instead (issue 14 item
// 2); the route requires one of the two (src/http/idempotency-key.ts).
export const IdempotencyKey = Type.String({
  minLength: 1,
  maxLength: 255,
  description:
    'Makes retries safe; scoped to the sales channel (create) or the session (update). Required here or in the `Idempotency-Key` header.',
});

// Not `format: 'uri'`: it refuses `{` and `}`, and merchants put the `{{qualification_session_id}}`
// placeholder (SPEC §2.2) into their redirect URLs.
const RedirectUrl = Type.String({
  maxLength: 2048,
  pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#]+[^\\s]*$',
  'x-error': 'must be an absolute http or https URL',
});

const OrderItemInput = Type.Object(
  {
    sku: Type.String({ minLength: 1, maxLength: 255 }),
    name: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
    price: Type.Optional(
      Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'cents' })),
    ),
    quantity: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  },
  { additionalProperties: false },
);

export const CreateSessionBody = Type.Object(
  {
    idempotency_key: Type.Optional(IdempotencyKey),
    order_items: Type.Optional(Type.Array(OrderItemInput, { maxItems: 100 })),
    success_url: Type.Optional(Nullable(RedirectUrl)),
    failure_url: Type.Optional(Nullable(RedirectUrl)),
    user_id: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
    email: Type.Optional(
      Nullable(Type.String({ maxLength: 254, format: 'email', 'x-error': 'must be an email address' })),
    ),
    customer_email: Type.Optional(
      Nullable(Type.String({ maxLength: 254, format: 'email', 'x-error': 'must be an email address' })),
    ),
    customer_name: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
    source: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
    metadata: Type.Optional(Nullable(Type.String({ maxLength: 4096 }))),
  },
  { additionalProperties: false },
);
export type CreateSessionBody = Static<typeof CreateSessionBody>;
/** What the service takes: the body with its key settled (body field or header). */
export type CreateSessionRequest = CreateSessionBody & { idempotency_key: string };

export const UpdateSessionBody = Type.Object(
  {
    idempotency_key: Type.Optional(IdempotencyKey),
    user_id: Type.Optional(Nullable(Type.String({ maxLength: 255 }))),
    metadata: Type.Optional(Nullable(Type.String({ maxLength: 4096 }))),
    success_url: Type.Optional(Nullable(RedirectUrl)),
    failure_url: Type.Optional(Nullable(RedirectUrl)),
  },
  { additionalProperties: false },
);
export type UpdateSessionBody = Static<typeof UpdateSessionBody>;
export type UpdateSessionRequest = UpdateSessionBody & { idempotency_key: string };

// No length limit here: an over-long id is an unknown session (404, SPEC §1.5), not a 400. The
// router already refuses path parameters over 200 characters, also with a 404.
export const SessionIdParams = Type.Object({
  qualification_session_id: Type.String(),
});
export type SessionIdParams = Static<typeof SessionIdParams>;

const StatusEnum = Type.Enum([...SESSION_STATUSES]);
const ReasonEnum = Type.Enum([...REJECTION_REASONS]);
const DateTime = Type.String({ format: 'date-time' });

export const OrderItem = Type.Object({
  sku: Type.String(),
  name: Nullable(Type.String()),
  price: Nullable(Type.Integer()),
  quantity: Type.Integer(),
});
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
    success_url: Nullable(Type.String()),
    failure_url: Nullable(Type.String()),
    order_items: Type.Array(OrderItem),
    redirect_url: Type.String({ description: 'The shopper link' }),
    rejection_reason: Nullable(ReasonEnum),
    livemode: Type.Boolean(),
    updated_at: DateTime,
  },
  { additionalProperties: false, $id: 'QualificationSession' },
);
export type QualificationSession = Static<typeof QualificationSession>;

export const UpdateSessionResponse = Type.Object(
  { qualification_session_id: Type.String(), status: StatusEnum },
  { additionalProperties: false },
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

export const ListSessionsResponse = Type.Object(
  {
    qualification_sessions: Type.Array(QualificationSession),
    pagination: Type.Object({
      current_page: Type.Integer(),
      page_size: Type.Integer(),
      total_count: Type.Integer(),
      count: Type.Integer({ description: 'The same value as `total_count` (the name other clients use)' }),
      last_page: Type.Integer(),
    }),
  },
  { additionalProperties: false },
);

// SPEC §5 — test helpers.
export const TestSubmitBody = Type.Object(
  {
    email: Type.Optional(
      Nullable(Type.String({ maxLength: 254, format: 'email', 'x-error': 'must be an email address' })),
    ),
    state: Type.Optional(
      Nullable(Type.String({ pattern: '^[A-Z]{2}$', 'x-error': 'must be a two-letter US state code' })),
    ),
  },
  { additionalProperties: false },
);
export type TestSubmitBody = Static<typeof TestSubmitBody>;

export const TestApproveBody = Type.Object(
  {
    validity_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 365 })),
    sku: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type TestApproveBody = Static<typeof TestApproveBody>;

export const TestRejectBody = Type.Object(
  {
    reason: Type.Optional(ReasonEnum),
  },
  { additionalProperties: false },
);
export type TestRejectBody = Static<typeof TestRejectBody>;

export const ErrorResponse = Type.Object(
  {
    error: Type.String(),
    message: Type.String(),
    request_id: Type.String(),
  },
  { $id: 'Error', additionalProperties: false },
);
