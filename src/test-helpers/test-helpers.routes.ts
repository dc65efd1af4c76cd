import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Static, TSchema } from 'typebox';
import type { ChannelRow } from '../channels/channels.repository.js';
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

  /** One helper route: test mode and an existing session first, then the real transition. */
  const helper = <B extends TSchema>(
    action: string,
    summary: string,
    body: B,
    transition: (channel: ChannelRow, id: string, body: Static<B>) => Promise<QualificationSession>,
  ) =>
    app.post(
      `/api/v1/test_helpers/qualification_session/:qualification_session_id/${action}`,
      {
        schema: { tags, summary, params: SessionIdParams, body, response: responses },
        onRequest: (request) => testModeSession(request, services),
        // The body is optional: an empty POST means "all defaults".
        preValidation: async (request: FastifyRequest) => {
          request.body ??= {};
        },
      },
      async (request) =>
        transition(
          requireChannel(request),
          (request.params as SessionIdParams).qualification_session_id,
          request.body as Static<B>,
        ),
    );

  helper('submit', 'Submit the survey (→ processing)', TestSubmitBody, (c, id, b) =>
    sessions.testSubmit(c, id, b),
  );
  helper('approve', 'Approve (submits first if pending)', TestApproveBody, (c, id, b) =>
    sessions.testApprove(c, id, b),
  );
  helper('reject', 'Reject (submits first if pending)', TestRejectBody, (c, id, b) =>
    sessions.testReject(c, id, b),
  );
};
