import { ApiErrorBody, type ErrorCode } from '../../shared/errors.js';

/** The server refused a request; `code` is its machine-readable reason (null when the body was not ours). */
export class RequestError extends Error {
  readonly status: number;
  readonly code: ErrorCode | null;
  /** The refusal's `details` (what a 409 matched, which field was wrong, ...), unchecked. */
  readonly details: unknown;

  constructor(status: number, code: ErrorCode | null, message: string, details?: unknown) {
    super(message);
    this.name = 'RequestError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  static async from(response: Response): Promise<RequestError> {
    const text = await response.text().catch(() => '');
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    const body = ApiErrorBody.safeParse(parsed);
    if (body.success) return new RequestError(response.status, body.data.error, body.data.message, body.data.details);
    return new RequestError(response.status, null, `The server answered ${response.status}`);
  }

  /** Worth retrying later unchanged: the server or a proxy is struggling, not refusing this request. */
  get transient(): boolean {
    return this.status >= 500 || this.status === 429 || this.status === 408;
  }
}

/** The request never got an answer (offline, DNS, reset, timeout): nothing is known about its effect. */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('The server could not be reached', { cause });
    this.name = 'NetworkError';
  }
}

/** The session ended and this request asked not to wait for the user to sign in again. */
export class SignInRequiredError extends Error {
  constructor() {
    super('Sign in to continue');
    this.name = 'SignInRequiredError';
  }
}

/** What to tell the user about a request that failed: the server's words, or that it could not be reached. */
export function describeError(error: unknown): string {
  if (error instanceof RequestError) return error.message;
  return 'the server could not be reached; try again when it is back';
}
