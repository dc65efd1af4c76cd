import { type Static, Type } from 'typebox';

/** Issue 12 item 6 — `GET /api/v1/stats`: the overview's series, aggregates only. */
const Rate = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]);
const Quantile = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });

const Figures = {
  sessions: Type.Object(
    {
      pending: Type.Integer(),
      processing: Type.Integer(),
      approved: Type.Integer(),
      rejected: Type.Integer(),
      total: Type.Integer(),
    },
    { additionalProperties: false, description: 'Sessions created in the period, by their current status' },
  ),
  approval_rate: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], {
    description: 'approved / (approved + rejected) of the sessions created in the period',
  }),
  decisions: Type.Integer({ description: 'Approvals and rejections made in the period' }),
  decision_seconds_p50: Quantile(
    'Create → decision time of those decisions, seconds: the upper bound of the histogram bucket holding the median',
  ),
  decision_seconds_p90: Quantile('As p50, for the 90th percentile'),
  webhooks: Type.Object(
    {
      deliveries: Type.Integer({ description: 'Deliveries created in the period' }),
      succeeded: Type.Integer(),
      failed: Type.Integer(),
      success_rate: Rate,
      first_attempt_ms_p50: Quantile(
        'Delivery created → first attempt, ms: the upper bound of the histogram bucket holding the median',
      ),
      first_attempt_ms_p90: Quantile('As p50, for the 90th percentile'),
    },
    { additionalProperties: false },
  ),
};

const EXAMPLE_FIGURES = {
  sessions: { pending: 3, processing: 2, approved: 12, rejected: 1, total: 18 },
  approval_rate: 0.923,
  decisions: 13,
  decision_seconds_p50: 3600,
  decision_seconds_p90: 14400,
  webhooks: {
    deliveries: 31,
    succeeded: 30,
    failed: 1,
    success_rate: 0.968,
    first_attempt_ms_p50: 25,
    first_attempt_ms_p90: 100,
  },
};

export const StatsQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({
        pattern: '^\\d{4}-\\d{2}-\\d{2}$',
        'x-error': 'must be a date as YYYY-MM-DD',
        description: 'First day (UTC), inclusive; default 29 days before `to`',
      }),
    ),
    to: Type.Optional(
      Type.String({
        pattern: '^\\d{4}-\\d{2}-\\d{2}$',
        'x-error': 'must be a date as YYYY-MM-DD',
        description: 'Last day (UTC), inclusive; default today. At most 366 days in all.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type StatsQuery = Static<typeof StatsQuery>;

export const StatsResponse = Type.Object(
  {
    from: Type.String({ format: 'date' }),
    to: Type.String({ format: 'date' }),
    days: Type.Array(
      Type.Object({ date: Type.String({ format: 'date' }), ...Figures }, { additionalProperties: false }),
    ),
    totals: Type.Object(Figures, { additionalProperties: false }),
  },
  {
    additionalProperties: false,
    examples: [
      {
        from: '2026-11-28',
        to: '2026-11-28',
        days: [{ date: '2026-11-28', ...EXAMPLE_FIGURES }],
        totals: EXAMPLE_FIGURES,
      },
    ],
  },
);
