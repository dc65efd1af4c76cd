// The scenarios of `npm run bench`, each a set of autocannon requests against a running server.
import type { Request } from 'autocannon';
import { seededId } from './seed.js';

export interface ScenarioContext {
  apiKey: string;
  /** Seeded rows are 0..rows-1 (ids from `seededId`). */
  rows: number;
}

export interface Scenario {
  name: string;
  /** Short description for BENCHMARKS.md. */
  what: string;
  /** Writes: run after the read scenarios of a phase, and only in the first phase. */
  writes: boolean;
  /** autocannon connections, when not `BENCH_CONNECTIONS` (the baseline is measured alike). */
  connections?: number;
  requests(ctx: ScenarioContext): Request[];
}

const PAGE_SIZE = 30;
let sequence = 0;
/** Idempotency keys unique across every run of the process (and across processes by the pid). */
function uniqueKey(prefix: string): string {
  sequence += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${sequence}`;
}

function randomSeeded(rows: number): string {
  return seededId(Math.floor(Math.random() * rows));
}

function headers(ctx: ScenarioContext, body = false): Record<string, string> {
  return {
    'x-truemed-api-key': ctx.apiKey,
    ...(body ? { 'content-type': 'application/json' } : {}),
  };
}

export function deepPage(rows: number): number {
  return Math.max(1, Math.floor(rows / 2 / PAGE_SIZE));
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'retrieve',
    what: 'GET one session by id (random among the seeded rows)',
    writes: false,
    requests: (ctx) => [
      {
        method: 'GET',
        headers: headers(ctx),
        setupRequest: (request) => ({
          ...request,
          path: `/api/v1/qualification_session/${randomSeeded(ctx.rows)}`,
        }),
      },
    ],
  },
  {
    name: 'retrieve, 32 connections',
    what: 'retrieve with 32 concurrent connections (the p99 goal)',
    writes: false,
    connections: 32,
    requests: (ctx) => [
      {
        method: 'GET',
        headers: headers(ctx),
        setupRequest: (request) => ({
          ...request,
          path: `/api/v1/qualification_session/${randomSeeded(ctx.rows)}`,
        }),
      },
    ],
  },
  {
    name: 'list first page',
    what: `GET list, page 1, page_size ${PAGE_SIZE}, no filter (exact total_count)`,
    writes: false,
    requests: (ctx) => [{ method: 'GET', headers: headers(ctx), path: '/api/v1/qualification_sessions' }],
  },
  {
    name: 'list first page, status filter',
    what: 'GET list, page 1, `status=approved` (35% of the rows; exact total_count)',
    writes: false,
    requests: (ctx) => [
      { method: 'GET', headers: headers(ctx), path: '/api/v1/qualification_sessions?status=approved' },
    ],
  },
  {
    name: 'list deep page',
    what: 'GET list, the page halfway through the table (OFFSET rows/2)',
    writes: false,
    requests: (ctx) => [
      {
        method: 'GET',
        headers: headers(ctx),
        path: `/api/v1/qualification_sessions?page=${deepPage(ctx.rows)}`,
      },
    ],
  },
  {
    name: 'create',
    what: 'POST create, a new idempotency key per request, one order item',
    writes: true,
    requests: (ctx) => [
      {
        method: 'POST',
        path: '/api/v1/qualification_session/create',
        headers: headers(ctx, true),
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({
            idempotency_key: uniqueKey('create'),
            email: 'shopper@example.com',
            user_id: 'user-bench',
            order_items: [{ sku: 'SKU-1', name: 'Blood pressure monitor', price: 4999, quantity: 1 }],
          }),
        }),
      },
    ],
  },
  {
    name: 'update',
    what: 'POST update of a random seeded session, a new idempotency key per request (metadata)',
    writes: true,
    requests: (ctx) => [
      {
        method: 'POST',
        headers: headers(ctx, true),
        setupRequest: (request) => ({
          ...request,
          path: `/api/v1/qualification_session/${randomSeeded(ctx.rows)}/update`,
          body: JSON.stringify({ idempotency_key: uniqueKey('update'), metadata: '{"order":"A-1"}' }),
        }),
      },
    ],
  },
];
