import { z } from 'zod';
import { Group, type CreateGroupRequest, type UpdateGroupRequest } from '../../shared/api/groups.js';
import type { Transport } from './transport.js';

const groupPath = (id: string) => `/api/groups/${encodeURIComponent(id)}`;

export class GroupsApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  list = (signal?: AbortSignal) => this.#http.json('GET', '/api/groups', z.array(Group), signal && { signal });

  get = (id: string, signal?: AbortSignal) => this.#http.json('GET', groupPath(id), Group, signal && { signal });

  // The writes below are the outbox's (sync/change.ts): a create carries its id, a patch sets values, so retries are exact.
  create = (request: CreateGroupRequest & { id: string }) =>
    this.#http.empty('POST', '/api/groups', { body: request, waitForSignIn: false });

  patch = (id: string, request: UpdateGroupRequest) =>
    this.#http.empty('PATCH', groupPath(id), { body: request, waitForSignIn: false });

  delete = (id: string) => this.#http.empty('DELETE', groupPath(id), { waitForSignIn: false });
}
