import type { ErrorCode } from '../../shared/errors.js';

/**
 * What the transport needs from whoever keeps the session (sync/session-keeper.ts): the current CSRF token and
 * a way back in after a refusal. Defined here so api/ never imports sync/.
 */
export interface AuthGate {
  csrfToken(): string | null;
  /** After 403 csrf_invalid: fetch a fresh token. */
  renewToken(): Promise<void>;
  /**
   * After any 401: single-user mode renews silently; multi-user mode asks the user to sign in. With `wait` false
   * it throws SignInRequiredError instead of waiting for the user (the outbox must not block on a person).
   */
  reauthenticate(code: ErrorCode | null, wait: boolean): Promise<void>;
}
