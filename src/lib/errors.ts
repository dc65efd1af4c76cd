/** SPEC §1.2 — the closed set of error codes, and the one map from code to HTTP status. */
export const ERROR_CODES = [
  'ValidationError',
  'Unauthorized',
  'Forbidden',
  'NotFound',
  'MethodNotAllowed',
  'user_id_already_set',
  'InvalidStatusTransition',
  'IdempotencyKeyInUse',
  'RequestTimeout',
  'PayloadTooLarge',
  'UnsupportedMediaType',
  'ExpectationFailed',
  'RateLimited',
  'RequestHeaderFieldsTooLarge',
  'InternalServerError',
  'NotImplemented',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export function statusForCode(code: ErrorCode): number {
  switch (code) {
    case 'ValidationError':
      return 400;
    case 'Unauthorized':
      return 401;
    case 'Forbidden':
      return 403;
    case 'NotFound':
      return 404;
    case 'MethodNotAllowed':
      return 405;
    case 'user_id_already_set':
    case 'InvalidStatusTransition':
    case 'IdempotencyKeyInUse':
      return 409;
    case 'RequestTimeout':
      return 408;
    case 'PayloadTooLarge':
      return 413;
    case 'UnsupportedMediaType':
      return 415;
    case 'ExpectationFailed':
      return 417;
    case 'RateLimited':
      return 429;
    case 'RequestHeaderFieldsTooLarge':
      return 431;
    case 'InternalServerError':
      return 500;
    case 'NotImplemented':
      return 501;
    default: {
      const unreachable: never = code;
      throw new Error(`unknown error code ${String(unreachable)}`);
    }
  }
}

/** The one error class services and routes throw; the error handler turns it into the flat wire shape. */
export class ApiError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = statusForCode(code);
  }
}

export interface ErrorBody {
  error: ErrorCode;
  message: string;
  request_id: string;
}

export function errorBody(code: ErrorCode, message: string, requestId: string): ErrorBody {
  return { error: code, message, request_id: requestId };
}
