import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, type ErrorCode, errorBody, statusForCode } from '../lib/errors.js';
import { newRequestId } from '../lib/ids.js';
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

/** Headers of an error Node or the HTTP parser answers before Fastify sees a request. */
function rawErrorHeaders(id: string, body: string): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'x-request-id': id,
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    connection: 'close',
  };
}

/** What Node's HTTP parser could not take, as a code of the closed set and a sentence. */
function classifyClientError(code: string | undefined): { code: ErrorCode; message: string } {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { code: 'RequestTimeout', message: 'the request did not arrive in time' };
    case 'HPE_HEADER_OVERFLOW':
      return { code: 'RequestHeaderFieldsTooLarge', message: 'the request headers are too large' };
    default:
      return { code: 'ValidationError', message: 'the request is not valid HTTP/1.1' };
  }
}

/**
 * Issue 13 item 6 — Fastify's `clientErrorHandler`: a request Node's parser refuses (a bad request
 * line or header, headers over the size limit, a timeout) gets the flat error body of SPEC §1.2
 * too, with a request id of its own, and the connection is closed. The raw bytes are never logged
 * (they may hold a survey form).
 */
export function clientError(this: FastifyInstance, error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = classifyClientError(error.code);
  const id = newRequestId();
  this.log.debug({ code: error.code, request_id: id }, 'request refused by the HTTP parser');
  // As Node itself: never into the middle of a response already under way on this connection.
  const inFlight = (socket as Duplex & { _httpMessage?: { _headerSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?._headerSent) {
    const status = statusForCode(known.code);
    const body = JSON.stringify(errorBody(known.code, known.message, id));
    const head = Object.entries(rawErrorHeaders(id, body))
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${body}`);
  }
  socket.destroy(error);
}

/**
 * Node answers an `Expect` other than `100-continue` with a bare 417 of its own; this one has the
 * flat body. (`checkExpectation` listener on the server.)
 */
export function expectationFailed(_request: IncomingMessage, response: ServerResponse): void {
  const id = newRequestId();
  const body = JSON.stringify(
    errorBody('ExpectationFailed', 'the only Expect header supported is "100-continue"', id),
  );
  response.writeHead(417, rawErrorHeaders(id, body));
  response.end(body);
}
