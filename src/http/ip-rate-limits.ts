import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../lib/clock.js';
import { ApiError } from '../lib/errors.js';

/**
 * Issue 13 item 5 — per-IP limits on what anyone can reach without a credential, checked before
 * authentication or any database work. One family per kind of request; a scope lists its
 * families once (`useIpRateLimits`), so a new page (a dashboard sign-in) joins by adding its route.
 * Counters are in memory, per instance, like the per-key limit.
 */
export interface IpLimitFamily {
  /** Named in the 429 message. */
  readonly name: string;
  /** Requests per IP address per minute; 0 switches the family off. */
  readonly perMinute: number;
  /** `METHOD /route/:pattern` as registered (HEAD counts as GET), or `*` for every route of the scope. */
  readonly routes: readonly string[] | '*';
  /** What uses up the budget: every request, or only requests answered 401 (a missing or unknown key). */
  readonly counts: 'requests' | 'unauthorized';
}

const WINDOW_MS = 60_000;
/** Idle addresses are forgotten once this many are tracked. */
const SWEEP_AT = 50_000;

/**
 * GCRA (a token bucket kept as one timestamp per address): up to `perMinute` requests at once, then
 * one every minute/perMinute. `wait` says how long until the next request conforms.
 */
export class IpRateLimiter {
  private readonly due = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  wait(key: string, perMinute: number): number {
    const now = this.clock.now();
    const tat = Math.max(this.due.get(key) ?? now, now);
    return Math.max(0, tat - (WINDOW_MS - WINDOW_MS / perMinute) - now);
  }

  take(key: string, perMinute: number): void {
    const now = this.clock.now();
    this.due.set(key, Math.max(this.due.get(key) ?? now, now) + WINDOW_MS / perMinute);
    if (this.due.size > SWEEP_AT) for (const [k, tat] of this.due) if (tat <= now) this.due.delete(k);
  }
}

export function useIpRateLimits(
  scope: FastifyInstance,
  clock: Clock,
  families: readonly IpLimitFamily[],
): void {
  const active = families.filter((f) => f.perMinute > 0);
  if (active.length === 0) return;
  const limiter = new IpRateLimiter(clock);
  const everyRoute = active.find((f) => f.routes === '*');
  const byRoute = new Map<string, IpLimitFamily>();
  for (const family of active)
    if (family.routes !== '*') for (const route of family.routes) byRoute.set(route, family);
  const familyOf = (request: FastifyRequest) =>
    byRoute.get(`${request.method === 'HEAD' ? 'GET' : request.method} ${request.routeOptions.url}`) ??
    everyRoute;
  const keyOf = (family: IpLimitFamily, request: FastifyRequest) => `${family.name}\u0000${request.ip}`;

  // Callback hooks: they run on every request of the scope; an async hook costs a promise each.
  scope.addHook('onRequest', (request, _reply, done) => {
    const family = familyOf(request);
    if (!family) return done();
    const key = keyOf(family, request);
    const wait = limiter.wait(key, family.perMinute);
    if (wait > 0) {
      const seconds = Math.max(1, Math.ceil(wait / 1000));
      return done(
        new ApiError(
          'RateLimited',
          `too many ${family.name} requests from this address; retry in ${seconds} s`,
          {
            'retry-after': String(seconds),
          },
        ),
      );
    }
    if (family.counts === 'requests') limiter.take(key, family.perMinute);
    done();
  });
  if (active.some((f) => f.counts === 'unauthorized'))
    scope.addHook('onResponse', (request, reply, done) => {
      if (reply.statusCode === 401) {
        const family = familyOf(request);
        if (family?.counts === 'unauthorized') limiter.take(keyOf(family, request), family.perMinute);
      }
      done();
    });
}
