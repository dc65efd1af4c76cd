import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { LATENCY_BUCKETS, RequestMetrics } from '../../src/metrics/request-metrics.js';

const OBSERVATIONS: Array<[string, string | undefined, number, number]> = [
  ['GET', '/api/v1/qualification_session/:qualification_session_id', 200, 0.0004],
  ['GET', '/api/v1/qualification_session/:qualification_session_id', 200, 0.0005],
  ['GET', '/api/v1/qualification_session/:qualification_session_id', 200, 0.0031],
  ['GET', '/api/v1/qualification_session/:qualification_session_id', 404, 0.002],
  ['POST', '/api/v1/qualification_session/create', 200, 0.012],
  ['POST', '/api/v1/qualification_session/create', 409, 11],
  ['GET', undefined, 404, 0.0001],
  ['GET', '/metrics', 200, 0.25],
];

/** What prom-client's own labelled counter and histogram write for the same requests. */
async function promClientText(): Promise<string> {
  const registry = new Registry();
  const labelNames = ['method', 'route', 'status'];
  const counter = new Counter({
    name: 'qualify_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames,
    registers: [registry],
  });
  const histogram = new Histogram({
    name: 'qualify_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its response, by method, route pattern and status',
    labelNames,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  for (const [method, route, status, seconds] of OBSERVATIONS) {
    const labels = { method, route: route ?? 'unmatched', status: String(status) };
    counter.labels(labels).inc();
    histogram.labels(labels).observe(seconds);
  }
  return registry.metrics();
}

// Issue 9 item 4 — request metrics in plain numbers, scraped in prom-client's format.
describe('request metrics', () => {
  it('write exactly what prom-client’s counter and histogram write for the same requests', async () => {
    const registry = new Registry();
    const metrics = new RequestMetrics(registry);
    for (const [method, route, status, seconds] of OBSERVATIONS)
      metrics.observe(method, route, status, seconds);
    const text = await registry.metrics();
    assert.equal(text, await promClientText());
    assert.match(
      text,
      /qualify_http_request_duration_seconds_bucket\{le="0.0005",method="GET",route="\/api\/v1\/qualification_session\/:qualification_session_id",status="200"\} 2/,
    );
    assert.match(text, /qualify_http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
  });
});
