import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { requireChannel } from '../http/auth.js';
import { authErrors, bodyErrors, errorRef, notFound } from '../http/common-schemas.js';
import { ApiError } from '../lib/errors.js';
import type { Services } from '../services.js';
import {
  QualificationSession,
  SessionIdParams,
  TestApproveBody,
  TestRejectBody,
  TestSubmitBody,
} from '../sessions/sessions.schemas.js';

const tags = ['Test helpers'];
const responses = {
  200: QualificationSession,
  ...bodyErrors,
  ...notFound,
  ...authErrors,
  403: errorRef('Live-mode key'),
  409: errorRef('Transition not allowed by the status machine'),
};

/** SPEC §5 — test-mode channels only; live keys get 403 before anything else is looked at. */
async function testModeSession(request: FastifyRequest, services: Services): Promise<void> {
  const channel = requireChannel(request);
  if (channel.livemode === 1)
    throw new ApiError('Forbidden', 'test helpers are only available to test-mode keys');
  const { qualification_session_id: id } = request.params as SessionIdParams;
  await services.sessions.retrieve(channel, id);
}

export const testHelpersRoutes: FastifyPluginAsync<{ services: Services }> = async (
  fastify,
  { services },
) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { sessions } = services;
  const onRequest = (request: FastifyRequest) => testModeSession(request, services);
  // The body is optional: an empty POST means "all defaults".
  const preValidation = async (request: FastifyRequest) => {
    request.body ??= {};
  };
  const base = '/api/v1/test_helpers/qualification_session/:qualification_session_id';

  app.post(
    `${base}/submit`,
    {
      schema: {
        tags,
        summary: 'Submit the survey (→ processing)',
        params: SessionIdParams,
        body: TestSubmitBody,
        response: responses,
      },
      onRequest,
      preValidation,
    },
    async (request) =>
      sessions.testSubmit(requireChannel(request), request.params.qualification_session_id, request.body),
  );

  app.post(
    `${base}/approve`,
    {
      schema: {
        tags,
        summary: 'Approve (submits first if pending)',
        params: SessionIdParams,
        body: TestApproveBody,
        response: responses,
      },
      onRequest,
      preValidation,
    },
    async (request) =>
      sessions.testApprove(requireChannel(request), request.params.qualification_session_id, request.body),
  );

  app.post(
    `${base}/reject`,
    {
      schema: {
        tags,
        summary: 'Reject (submits first if pending)',
        params: SessionIdParams,
        body: TestRejectBody,
        response: responses,
      },
      onRequest,
      preValidation,
    },
    async (request) =>
      sessions.testReject(requireChannel(request), request.params.qualification_session_id, request.body),
  );
};
