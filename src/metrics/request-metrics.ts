import type { Registry } from 'prom-client';

/** Seconds; covers a loopback cache hit (sub-ms) up to a request that hits the 10 s key wait. */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

const REQUESTS = {
  name: 'qualify_http_requests_total',
  help: 'HTTP requests answered, by method, route pattern and status code',
};
const LATENCY = {
  name: 'qualify_http_request_duration_seconds',
  help: 'Time from receiving a request to sending its response, by method, route pattern and status',
};

/** One (method, route, status): a counter and a histogram in plain numbers. */
class Series {
  count = 0;
  sum = 0;
  /** Observations per bucket (not cumulative); the last slot is over the largest bound. */
  readonly buckets = new Float64Array(LATENCY_BUCKETS.length + 1);
  readonly labels: { method: string; route: string; status: string };

  constructor(
    readonly method: string,
    readonly status: number,
    route: string,
  ) {
    this.labels = { method, route, status: String(status) };
  }
}

/**
 * Issue 9 item 4 — the per-request counter and latency histogram of SPEC §4.4, at a few tens of
 * nanoseconds per request: prom-client's labelled children hash their label object on every
 * `inc`/`observe`. Here a request finds its series by the route pattern (the same string object
 * every time) and a short scan for method and status, and bumps plain numbers; the registry reads
 * them at scrape time through two metric objects written in prom-client's own format, so
 * `/metrics` is as before.
 */
export class RequestMetrics {
  /** By route pattern (`undefined`: no route matched), then a short list per method and status. */
  private readonly byRoute = new Map<string | undefined, Series[]>();

  constructor(registry: Registry) {
    const all = () => [...this.byRoute.values()].flat();
    registry.registerMetric({
      ...REQUESTS,
      type: 'counter',
      aggregator: 'sum',
      get: async () => ({
        ...REQUESTS,
        type: 'counter',
        aggregator: 'sum',
        values: all().map((s) => ({ labels: s.labels, value: s.count })),
      }),
    } as never);
    registry.registerMetric({
      ...LATENCY,
      type: 'histogram',
      aggregator: 'sum',
      get: async () => ({
        ...LATENCY,
        type: 'histogram',
        aggregator: 'sum',
        values: all().flatMap((s) => histogramValues(s)),
      }),
    } as never);
  }

  observe(method: string, route: string | undefined, status: number, seconds: number): void {
    let list = this.byRoute.get(route);
    if (list === undefined) {
      list = [];
      this.byRoute.set(route, list);
    }
    let series: Series | undefined;
    for (let i = 0; i < list.length; i++) {
      const candidate = list[i]!;
      if (candidate.status === status && candidate.method === method) {
        series = candidate;
        break;
      }
    }
    if (series === undefined) {
      series = new Series(method, status, route ?? 'unmatched');
      list.push(series);
    }
    series.count += 1;
    series.sum += seconds;
    let bucket = 0;
    while (bucket < LATENCY_BUCKETS.length && seconds > LATENCY_BUCKETS[bucket]!) bucket++;
    series.buckets[bucket]! += 1;
  }
}

/** The histogram lines of one series as prom-client writes them: cumulative buckets, sum, count. */
function histogramValues(series: Series) {
  const sharedLabels = series.labels;
  const values: Array<{
    labels: Record<string, string | number>;
    sharedLabels: object;
    value: number;
    metricName: string;
  }> = [];
  let cumulative = 0;
  LATENCY_BUCKETS.forEach((le, i) => {
    cumulative += series.buckets[i]!;
    values.push({ labels: { le }, sharedLabels, value: cumulative, metricName: `${LATENCY.name}_bucket` });
  });
  values.push(
    { labels: { le: '+Inf' }, sharedLabels, value: series.count, metricName: `${LATENCY.name}_bucket` },
    { labels: {}, sharedLabels, value: series.sum, metricName: `${LATENCY.name}_sum` },
    { labels: {}, sharedLabels, value: series.count, metricName: `${LATENCY.name}_count` },
  );
  return values;
}
