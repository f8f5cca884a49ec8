import { LoginResponse, SessionInfo, type LoginRequest } from '../../shared/api/session.js';
import type { Transport } from './transport.js';

/** Session and sign-in routes. Used by the session keeper over a transport with no gate (no recovery loops). */
export class SessionApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  current = () => this.#http.json('GET', '/api/session', SessionInfo);

  login = (request: LoginRequest) => this.#http.json('POST', '/api/auth/login', LoginResponse, { body: request });

  logout = (csrfToken: string | null) =>
    this.#http.empty('POST', '/api/auth/logout', { headers: csrfToken ? { 'x-csrf-token': csrfToken } : {} });
}
