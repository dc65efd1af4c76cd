import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { requireChannel } from '../http/auth.js';
import { authErrors, bodyErrors, errorRef, notFound } from '../http/common-schemas.js';
import { IdempotencyKeyHeaders, idempotencyKeyOf } from '../http/idempotency-key.js';
import { renderJson, sendStored } from '../http/replies.js';
import type { Services } from '../services.js';
import {
  CreateSessionBody,
  ListSessionsQuery,
  ListSessionsResponse,
  QualificationSession,
  SessionEventsQuery,
  SessionEventsResponse,
  SessionIdParams,
  UpdateSessionBody,
  UpdateSessionResponse,
} from './sessions.schemas.js';

const tags = ['Qualification sessions'];

/** SPEC §1.4–§1.7. Routes do HTTP only: auth, schema, status; the service does the rest. */
export const sessionsRoutes: FastifyPluginAsync<{ services: Services }> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { sessions } = services;

  const createSchema = {
    tags,
    summary: 'Create a qualification session',
    body: CreateSessionBody,
    headers: IdempotencyKeyHeaders,
    response: {
      200: QualificationSession,
      ...bodyErrors,
      ...authErrors,
      409: errorRef('Idempotency key in use'),
    },
  };
  for (const url of ['/api/v1/qualification_session/create', '/api/v1/create_qualification_session']) {
    app.post(
      url,
      { schema: { ...createSchema, ...(url.includes('create_') ? { summary: 'Create (alias)' } : {}) } },
      async (request, reply) => {
        const channel = requireChannel(request);
        const body = {
          ...request.body,
          idempotency_key: idempotencyKeyOf(request, request.body.idempotency_key),
        };
        const stored = await sessions.create(channel, body, renderJson(request.id));
        return sendStored(reply, stored);
      },
    );
  }

  app.get(
    '/api/v1/qualification_session/:qualification_session_id',
    {
      schema: {
        tags,
        summary: 'Retrieve a qualification session',
        params: SessionIdParams,
        response: { 200: QualificationSession, ...notFound, ...authErrors },
      },
    },
    async (request) => sessions.retrieve(requireChannel(request), request.params.qualification_session_id),
  );

  app.get(
    '/api/v1/qualification_sessions',
    {
      schema: {
        tags,
        summary: 'List qualification sessions',
        querystring: ListSessionsQuery,
        response: { 200: ListSessionsResponse, 400: errorRef('Validation error'), ...authErrors },
      },
    },
    async (request) => sessions.list(requireChannel(request), request.query),
  );

  app.post(
    '/api/v1/qualification_session/:qualification_session_id/update',
    {
      schema: {
        tags,
        summary: 'Update a qualification session',
        description:
          'Keeps a session in step with the merchant’s records. `user_id` is set-when-null; `status` is never writable.',
        params: SessionIdParams,
        body: UpdateSessionBody,
        headers: IdempotencyKeyHeaders,
        response: {
          200: UpdateSessionResponse,
          ...bodyErrors,
          ...notFound,
          ...authErrors,
          409: errorRef('user_id_already_set, or idempotency key in use'),
        },
      },
      // SPEC §1.7 rule 1: an unknown session is a 404 before the body is even parsed.
      onRequest: async (request) => {
        const { qualification_session_id: id } = request.params as SessionIdParams;
        await sessions.assertExists(requireChannel(request), id);
      },
    },
    async (request, reply) => {
      const stored = await sessions.update(
        requireChannel(request),
        request.params.qualification_session_id,
        { ...request.body, idempotency_key: idempotencyKeyOf(request, request.body.idempotency_key) },
        renderJson(request.id),
      );
      return sendStored(reply, stored);
    },
  );

  // Issue 12 item 6 — what the session's transitions recorded (the webhook events), paged.
  app.get(
    '/api/v1/qualification_session/:qualification_session_id/events',
    {
      schema: {
        tags,
        summary: 'List the events of a qualification session',
        description:
          'The events its transitions recorded (each one what its webhook carries as `data`), oldest first, paged like the session list.',
        params: SessionIdParams,
        querystring: SessionEventsQuery,
        response: {
          200: SessionEventsResponse,
          400: errorRef('Validation error'),
          ...notFound,
          ...authErrors,
        },
      },
    },
    async (request) =>
      services.sessionActivity.events(
        requireChannel(request).id,
        request.params.qualification_session_id,
        request.query.page,
        request.query.page_size,
      ),
  );
};
