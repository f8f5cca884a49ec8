import type { FastifyRequest } from 'fastify';
import type { ErrorCode } from '../../shared/errors.js';
import { ApiError } from '../errors/api-error.js';

export interface RefusalContext {
  /** Why, beyond the code: "missing" or "mismatch" for CSRF, the offending origin, ... */
  detail?: string;
  user?: string | null;
  sessionAgeS?: number | null;
}

/**
 * Logs a refused request as ONE line an operator can grep — reason, method, route, user, session age —
 * and returns the error to throw. Users of apps like ours lost work to 403s nobody could explain.
 */
export function refusal(request: FastifyRequest, code: ErrorCode, message: string, context: RefusalContext = {}): ApiError {
  request.log.warn(
    {
      reason: code,
      detail: context.detail,
      method: request.method,
      route: request.routeOptions.url ?? request.url,
      url: request.url,
      user: context.user ?? request.auth?.user.handle ?? null,
      sessionAgeS: context.sessionAgeS ?? null,
      ip: request.ip,
    },
    `refused ${request.method} ${request.url}: ${code}${context.detail ? ` (${context.detail})` : ''}`,
  );
  return new ApiError(code, message);
}
