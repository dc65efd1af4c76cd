import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, type ErrorCode, errorBody, statusForCode } from '../lib/errors.js';
import { describeValidationError } from './validation.js';

/** Maps Fastify's own errors (body parsing, limits) onto the closed set of SPEC §1.2. */
function classify(error: FastifyError): { code: ErrorCode; message: string } | undefined {
  if (error.validation && error.validation.length > 0) {
    return {
      code: 'ValidationError',
      message: describeValidationError(error.validation[0] as never, error.validationContext),
    };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'PayloadTooLarge', message: 'request body must be at most 64 KiB' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'UnsupportedMediaType', message: 'request body must be application/json' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'ValidationError', message: 'request body is empty; send a JSON object' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { code: 'ValidationError', message: 'content-length does not match the body' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { code: 'ValidationError', message: 'request body is not valid JSON' };
  }
  if (error instanceof SyntaxError || error.statusCode === 400) {
    return { code: 'ValidationError', message: 'request body is not valid JSON' };
  }
  if (error.statusCode === 413)
    return { code: 'PayloadTooLarge', message: 'request body must be at most 64 KiB' };
  if (error.statusCode === 415)
    return { code: 'UnsupportedMediaType', message: 'request body must be application/json' };
  return undefined;
}

export function sendError(reply: FastifyReply, request: FastifyRequest, error: ApiError): FastifyReply {
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply
    .code(error.statusCode)
    .type('application/json; charset=utf-8')
    .send(errorBody(error.code, error.message, request.id));
}

/** One error handler: known errors keep their code; anything else is logged and answered with a generic 500. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) return sendError(reply, request, error);
    const known = classify(error);
    if (known) return sendError(reply, request, new ApiError(known.code, known.message));
    request.log.error({ err: error }, 'unhandled error');
    return reply
      .code(statusForCode('InternalServerError'))
      .type('application/json; charset=utf-8')
      .send(errorBody('InternalServerError', 'an unexpected error occurred', request.id));
  });
}

/**
 * Fastify's `frameworkErrors`: errors raised before routing (an undecodable `%ff` in the URL),
 * which would otherwise get Fastify's own body instead of the flat one of SPEC §1.2.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id);
  const path = request.url.split('?')[0] ?? '/';
  if (error.code === 'FST_ERR_BAD_URL') {
    sendError(reply, request, new ApiError('ValidationError', 'the URL is not validly percent-encoded'));
    return;
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    sendError(reply, request, new ApiError('NotFound', `no route ${request.method} ${path}`));
    return;
  }
  request.log.error({ err: error }, 'unhandled framework error');
  reply
    .code(statusForCode('InternalServerError'))
    .type('application/json; charset=utf-8')
    .send(errorBody('InternalServerError', 'an unexpected error occurred', request.id));
}
