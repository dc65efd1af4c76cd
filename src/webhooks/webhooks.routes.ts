import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { requireChannel } from '../http/auth.js';
import { authErrors, bodyErrors, errorRef } from '../http/common-schemas.js';
import type { Services } from '../services.js';
import { presentDelivery, presentEndpoint } from './webhooks.presenter.js';
import {
  CreateEndpointBody,
  DeletedEndpoint,
  DeliveryIdParams,
  EndpointIdParams,
  ListDeliveriesQuery,
  ListDeliveriesResponse,
  ListEndpointsResponse,
  QueuedTestEvent,
  RotateSecretBody,
  WebhookDelivery,
  WebhookEndpointWithSecret,
} from './webhooks.schemas.js';

const tags = ['Webhooks'];
const endpointNotFound = { 404: errorRef('Unknown webhook endpoint, or another channel’s') };

/** SPEC §3.1, §3.4 — webhook endpoints and redelivery over the API (extension), scoped to the key's channel. */
export const webhooksRoutes: FastifyPluginAsync<{ services: Services }> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const { webhookEndpoints, webhookDeliveries } = services;

  app.get(
    '/api/v1/webhook_endpoints',
    {
      schema: {
        tags,
        summary: 'List webhook endpoints (secrets are never listed)',
        response: { 200: ListEndpointsResponse, ...authErrors },
      },
    },
    async (request) => ({
      webhook_endpoints: (await webhookEndpoints.list(requireChannel(request).id)).map(presentEndpoint),
    }),
  );

  app.post(
    '/api/v1/webhook_endpoints',
    {
      schema: {
        tags,
        summary: 'Create a webhook endpoint',
        description: 'The response carries the endpoint secret (`whsec_…`); it is not shown again.',
        body: CreateEndpointBody,
        response: { 200: WebhookEndpointWithSecret, ...bodyErrors, ...authErrors },
      },
    },
    async (request) => {
      const { endpoint, secret } = await webhookEndpoints.create(requireChannel(request).id, request.body);
      return { ...presentEndpoint(endpoint), secret };
    },
  );

  app.post(
    '/api/v1/webhook_endpoints/:webhook_endpoint_id/delete',
    {
      schema: {
        tags,
        summary: 'Delete a webhook endpoint',
        params: EndpointIdParams,
        response: { 200: DeletedEndpoint, ...endpointNotFound, ...authErrors },
      },
    },
    async (request) => {
      const deleted = await webhookEndpoints.delete(
        requireChannel(request).id,
        request.params.webhook_endpoint_id,
      );
      return { webhook_endpoint_id: deleted.id, deleted: true as const };
    },
  );

  app.post(
    '/api/v1/webhook_endpoints/:webhook_endpoint_id/rotate_secret',
    {
      schema: {
        tags,
        summary: 'Rotate the endpoint secret',
        description:
          'Returns the new secret once. For `overlap_seconds` (default 24 h) both secrets are valid: signed deliveries carry one `v1=` per secret. `overlap_seconds: 0` retires the old secret at once.',
        params: EndpointIdParams,
        body: RotateSecretBody,
        response: { 200: WebhookEndpointWithSecret, ...bodyErrors, ...endpointNotFound, ...authErrors },
      },
      // The body is optional: no body means the default overlap.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) => {
      const overlap = request.body.overlap_seconds;
      const { endpoint, secret } = await webhookEndpoints.rotateSecret(
        requireChannel(request).id,
        request.params.webhook_endpoint_id,
        ...(overlap === undefined ? [] : [overlap * 1000]),
      );
      return { ...presentEndpoint(endpoint), secret };
    },
  );

  app.post(
    '/api/v1/webhook_endpoints/:webhook_endpoint_id/test',
    {
      schema: {
        tags,
        summary: 'Send a webhook_endpoint.test event to this endpoint',
        description:
          'Queues one `webhook_endpoint.test` delivery for this endpoint only; the dispatcher sends it at once.',
        params: EndpointIdParams,
        response: {
          200: QueuedTestEvent,
          400: errorRef('The endpoint is disabled'),
          ...endpointNotFound,
          ...authErrors,
        },
      },
    },
    async (request) =>
      webhookEndpoints.sendTest(requireChannel(request).id, request.params.webhook_endpoint_id),
  );

  app.post(
    '/api/v1/webhook_deliveries/:webhook_delivery_id/redeliver',
    {
      schema: {
        tags,
        summary: 'Send a webhook delivery again',
        description:
          'Sends the delivery again, now, with the same `webhook_delivery_id` and a fresh retry schedule. A delivery in flight is returned unchanged.',
        params: DeliveryIdParams,
        response: {
          200: WebhookDelivery,
          400: errorRef('The endpoint was deleted or is disabled'),
          404: errorRef('Unknown webhook delivery, or another channel’s'),
          ...authErrors,
        },
      },
    },
    async (request) =>
      presentDelivery(
        await webhookDeliveries.redeliver(requireChannel(request).id, request.params.webhook_delivery_id),
      ),
  );

  // Issue 12 item 6 — an endpoint's delivery log, each delivery with its attempts.
  app.get(
    '/api/v1/webhook_endpoints/:webhook_endpoint_id/deliveries',
    {
      schema: {
        tags,
        summary: 'List the deliveries of a webhook endpoint',
        description:
          'Newest first, each with every attempt (time, status code, duration, error, start of the response); paged like the session list. A deleted endpoint keeps its log.',
        params: EndpointIdParams,
        querystring: ListDeliveriesQuery,
        response: {
          200: ListDeliveriesResponse,
          400: errorRef('Validation error'),
          ...endpointNotFound,
          ...authErrors,
        },
      },
    },
    async (request) => {
      const { page, page_size, status, event_type, created_from, created_to } = request.query;
      return webhookDeliveries.page(
        {
          channelId: requireChannel(request).id,
          endpointId: request.params.webhook_endpoint_id,
          ...(status !== undefined ? { statuses: [status] } : {}),
          ...(event_type !== undefined ? { eventType: event_type } : {}),
          ...(created_from !== undefined ? { createdFrom: Date.parse(created_from) } : {}),
          ...(created_to !== undefined ? { createdBefore: Date.parse(created_to) } : {}),
        },
        page,
        page_size,
      );
    },
  );
};
