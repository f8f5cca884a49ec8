import { z } from 'zod';

/** Every refusal the server gives carries one of these codes; clients map each to a recovery action. */
export const errorCodes = [
  'not_authenticated',
  'session_expired',
  'invalid_credentials',
  'csrf_invalid',
  'origin_mismatch',
  'forbidden',
  'invalid_request',
  'invalid_text',
  'too_deep',
  'payload_too_large',
  'unsupported_media_type',
  'invalid_card',
  'invalid_chat',
  'invalid_world',
  'not_found',
  'conflict',
  'importing',
  'rate_limited',
  'upstream_error',
  'internal_error',
] as const;

export const ErrorCode = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ApiErrorBody = z.object({
  error: ErrorCode,
  message: z.string(),
  details: z.unknown().optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

export const httpStatusOf: Record<ErrorCode, number> = {
  not_authenticated: 401,
  session_expired: 401,
  invalid_credentials: 401,
  csrf_invalid: 403,
  origin_mismatch: 403,
  forbidden: 403,
  invalid_request: 400,
  invalid_text: 400,
  too_deep: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_card: 422,
  invalid_chat: 422,
  invalid_world: 422,
  not_found: 404,
  conflict: 409,
  importing: 409,
  rate_limited: 429,
  upstream_error: 502,
  internal_error: 500,
};
