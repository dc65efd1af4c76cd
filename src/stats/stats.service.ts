import type { Database } from '../db/database.js';
import type { Clock } from '../lib/clock.js';
import { DAY_MS } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';
import { DECISION_BUCKETS_S, type SessionsRepository } from '../sessions/sessions.repository.js';
import { SESSION_STATUSES, type SessionStatus } from '../sessions/sessions.vocabulary.js';
import type { DeliveriesRepository } from '../webhooks/deliveries.repository.js';

/** Upper bounds (ms) of the first-attempt latency histogram; the last bucket is open-ended. */
export const FIRST_ATTEMPT_BUCKETS_MS = [
  100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000,
] as const;

/** The longest range one request may ask for. */
export const MAX_STATS_DAYS = 366;
/** Without `from`, the range ends today and covers this many days. */
export const DEFAULT_STATS_DAYS = 30;

export interface StatsFigures {
  sessions: Record<SessionStatus, number> & { total: number };
  /** approved / (approved + rejected) of the sessions created in the period; null when none was decided. */
  approval_rate: number | null;
  /** Decisions (approve or reject) made in the period. */
  decisions: number;
  /** Create → decision time of those decisions, seconds: the upper bound of the histogram bucket the percentile falls in. */
  decision_seconds_p50: number | null;
  decision_seconds_p90: number | null;
  webhooks: {
    deliveries: number;
    succeeded: number;
    failed: number;
    /** succeeded / (succeeded + failed); null when none has finished. */
    success_rate: number | null;
    /** Delivery created → first attempt, ms: the upper bound of the histogram bucket the percentile falls in. */
    first_attempt_ms_p50: number | null;
    first_attempt_ms_p90: number | null;
  };
}

export interface StatsDay extends StatsFigures {
  date: string;
}

export interface Stats {
  from: string;
  to: string;
  days: StatsDay[];
  totals: StatsFigures;
}

interface Accumulator {
  statuses: Record<SessionStatus, number>;
  decisionHistogram: number[];
  deliveries: Record<string, number>;
  firstAttemptHistogram: number[];
}

const newAccumulator = (): Accumulator => ({
  statuses: { pending: 0, processing: 0, approved: 0, rejected: 0 },
  decisionHistogram: new Array(DECISION_BUCKETS_S.length + 1).fill(0),
  deliveries: {},
  firstAttemptHistogram: new Array(FIRST_ATTEMPT_BUCKETS_MS.length + 1).fill(0),
});

/**
 * The value of quantile `q` of a histogram: the upper bound of the bucket it falls in (the open
 * last bucket reports the last bound). Null for an empty histogram.
 */
export function histogramQuantile(
  counts: readonly number[],
  bounds: readonly number[],
  q: number,
): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i] ?? 0;
    if (seen >= rank) return bounds[Math.min(i, bounds.length - 1)] ?? null;
  }
  return bounds[bounds.length - 1] ?? null;
}

function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function dayOfDate(text: string, name: string): number {
  const ms = Date.parse(`${text}T00:00:00.000Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text)
    throw new ApiError('ValidationError', `${name} must be a valid date as YYYY-MM-DD`);
  return ms / DAY_MS;
}

/**
 * Issue 12 item 5 — the overview's series, from server-side aggregates only (no health data):
 * sessions from the daily rollups the sessions repository keeps with every transition (no scan of
 * the sessions), webhooks from an index range of the channel's deliveries.
 */
export class StatsService {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly repos: { sessions: SessionsRepository; deliveries: DeliveriesRepository },
  ) {}

  /** The days `from` to `to` (inclusive, UTC, YYYY-MM-DD); by default the last 30 days up to today. */
  range(from?: string, to?: string): { fromDay: number; toDay: number } {
    const toDay = to !== undefined ? dayOfDate(to, 'to') : Math.floor(this.clock.now() / DAY_MS);
    const fromDay = from !== undefined ? dayOfDate(from, 'from') : toDay - (DEFAULT_STATS_DAYS - 1);
    if (fromDay > toDay) throw new ApiError('ValidationError', 'from must not be after to');
    if (toDay - fromDay + 1 > MAX_STATS_DAYS)
      throw new ApiError('ValidationError', `the range may cover at most ${MAX_STATS_DAYS} days`);
    return { fromDay, toDay };
  }

  async forChannel(channelId: string, from?: string, to?: string): Promise<Stats> {
    const { fromDay, toDay } = this.range(from, to);
    const db = this.database.db;
    const start = fromDay * DAY_MS;
    const end = (toDay + 1) * DAY_MS;
    const [rollups, deliveries, firstAttempts] = await Promise.all([
      this.repos.sessions.dailyCounts(db, channelId, fromDay, toDay),
      this.repos.deliveries.dailyByStatus(db, channelId, start, end),
      this.repos.deliveries.dailyFirstAttemptHistogram(db, channelId, start, end, FIRST_ATTEMPT_BUCKETS_MS),
    ]);
    const byDay = new Map<number, Accumulator>();
    for (let day = fromDay; day <= toDay; day++) byDay.set(day, newAccumulator());
    for (const { day, metric, n } of rollups) {
      const acc = byDay.get(day);
      if (!acc) continue;
      const [kind, value] = metric.split(':');
      if (kind === 'status' && (SESSION_STATUSES as readonly string[]).includes(value ?? ''))
        acc.statuses[value as SessionStatus] += n;
      else if (kind === 'decided') {
        const bucket = Number(value);
        if (Number.isInteger(bucket) && bucket >= 0 && bucket < acc.decisionHistogram.length)
          acc.decisionHistogram[bucket]! += n;
      }
    }
    for (const { day, status, n } of deliveries) {
      const acc = byDay.get(day);
      if (acc) acc.deliveries[status] = (acc.deliveries[status] ?? 0) + n;
    }
    for (const { day, bucket, n } of firstAttempts) {
      const acc = byDay.get(day);
      if (acc && bucket >= 0 && bucket < acc.firstAttemptHistogram.length)
        acc.firstAttemptHistogram[bucket]! += n;
    }
    const total = newAccumulator();
    const days: StatsDay[] = [];
    for (const [day, acc] of byDay) {
      for (const status of SESSION_STATUSES) total.statuses[status] += acc.statuses[status];
      acc.decisionHistogram.forEach((n, i) => {
        total.decisionHistogram[i]! += n;
      });
      acc.firstAttemptHistogram.forEach((n, i) => {
        total.firstAttemptHistogram[i]! += n;
      });
      for (const [status, n] of Object.entries(acc.deliveries))
        total.deliveries[status] = (total.deliveries[status] ?? 0) + n;
      days.push({ date: dateOf(day), ...figures(acc) });
    }
    return { from: dateOf(fromDay), to: dateOf(toDay), days, totals: figures(total) };
  }
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}

function figures(acc: Accumulator): StatsFigures {
  const s = acc.statuses;
  const decided = s.approved + s.rejected;
  const succeeded = acc.deliveries.succeeded ?? 0;
  const failed = acc.deliveries.failed ?? 0;
  return {
    sessions: { ...s, total: s.pending + s.processing + s.approved + s.rejected },
    approval_rate: ratio(s.approved, decided),
    decisions: acc.decisionHistogram.reduce((a, b) => a + b, 0),
    decision_seconds_p50: histogramQuantile(acc.decisionHistogram, DECISION_BUCKETS_S, 0.5),
    decision_seconds_p90: histogramQuantile(acc.decisionHistogram, DECISION_BUCKETS_S, 0.9),
    webhooks: {
      deliveries: Object.values(acc.deliveries).reduce((a, b) => a + b, 0),
      succeeded,
      failed,
      success_rate: ratio(succeeded, succeeded + failed),
      first_attempt_ms_p50: histogramQuantile(acc.firstAttemptHistogram, FIRST_ATTEMPT_BUCKETS_MS, 0.5),
      first_attempt_ms_p90: histogramQuantile(acc.firstAttemptHistogram, FIRST_ATTEMPT_BUCKETS_MS, 0.9),
    },
  };
}
