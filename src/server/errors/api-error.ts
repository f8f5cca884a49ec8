import { httpStatusOf, type ApiErrorBody, type ErrorCode } from '../../shared/errors.js';

/** A refusal with a machine-readable code; the error handler turns it into `{error, message}`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.code = code;
    this.status = httpStatusOf[code];
    this.details = details;
  }

  toBody(): ApiErrorBody {
    return { error: this.code, message: this.message, ...(this.details !== undefined && { details: this.details }) };
  }
}

export const notFound = (what: string) => new ApiError('not_found', `${what} not found`);
