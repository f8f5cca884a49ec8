import type { PasswordChangeRequest } from '../../shared/api/session.js';
import type { Transport } from './transport.js';

/** Account actions that need an answer now (never queued: a password is not kept in the outbox). */
export class AccountApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  changePassword = (request: PasswordChangeRequest) => this.#http.empty('POST', '/api/auth/password', { body: request });
}
