import { Type } from 'typebox';
import { ErrorResponse } from '../sessions/sessions.schemas.js';

const errorRef = (description: string) => ({ ...ErrorResponse, description });

/** The error responses every authenticated API route can give. */
export const authErrors = {
  401: errorRef('Missing, unknown or revoked API key'),
  405: errorRef('Known path, wrong method'),
  429: errorRef('Rate limit exceeded'),
  500: errorRef('Unexpected error'),
} as const;

export const bodyErrors = {
  400: errorRef('Validation error'),
  413: errorRef('Body over 64 KiB'),
  415: errorRef('Body is not application/json'),
} as const;

export const notFound = { 404: errorRef('Unknown session, or another channel’s') } as const;

export { errorRef, Type };
