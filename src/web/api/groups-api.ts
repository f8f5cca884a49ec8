import { z } from 'zod';
import { Chat } from '../../shared/api/chats.js';
import { Group, type ConvertToGroupRequest, type CreateGroupRequest, type UpdateGroupRequest } from '../../shared/api/groups.js';
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

  /**
   * A 1:1 chat made a group chat (a new group and chat; the 1:1 chat stays). Sent now, as a branch is: the user
   * waits to open it, and the client-made ids make a repeat return what the first request made.
   */
  convertChat = (chatId: string, request: ConvertToGroupRequest) =>
    this.#http.json('POST', `/api/chats/${encodeURIComponent(chatId)}/convert-to-group`, z.object({ group: Group, chat: Chat }), { body: request });
}
