import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { requireChannel } from '../http/auth.js';
import { authErrors, errorRef } from '../http/common-schemas.js';
import type { Services } from '../services.js';
import { StatsQuery, StatsResponse } from './stats.schemas.js';

/** Issue 12 item 6 — the series the dashboard's overview charts, for the key's channel. */
export const statsRoutes: FastifyPluginAsync<{ services: Services }> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/api/v1/stats',
    {
      schema: {
        tags: ['Statistics'],
        summary: 'Daily statistics of the channel',
        description:
          'Per day (UTC) and in total: sessions by outcome, approval rate, create → decision time (p50/p90), webhook success rate and first-attempt latency (p50/p90). Aggregates only: no session, no health information.',
        querystring: StatsQuery,
        response: { 200: StatsResponse, 400: errorRef('Validation error'), ...authErrors },
      },
    },
    async (request) =>
      services.stats.forChannel(requireChannel(request).id, request.query.from, request.query.to),
  );
};
