import { z } from 'zod';
import { PublicUser, type CreateUserRequest, type UpdateUserRequest } from '../../shared/api/session.js';
import type { Transport } from './transport.js';

const userPath = (handle: string) => `/api/users/${encodeURIComponent(handle)}`;

/** An admin's account management; sent now and answered now (a password never waits in the outbox). */
export class UsersApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  list = (signal?: AbortSignal) => this.#http.json('GET', '/api/users', z.array(PublicUser), signal && { signal });

  create = (request: CreateUserRequest) => this.#http.json('POST', '/api/users', PublicUser, { body: request });

  update = (handle: string, request: UpdateUserRequest) => this.#http.json('PATCH', userPath(handle), PublicUser, { body: request });

  delete = (handle: string) => this.#http.empty('DELETE', userPath(handle));
}
