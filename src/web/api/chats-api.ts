import { z } from 'zod';
import {
  Chat,
  ChatImportResponse,
  ChatSummary,
  MessagesPage,
  OpsResponse,
  type ChatOp,
  type CreateChatRequest,
} from '../../shared/api/chats.js';
import type { Transport } from './transport.js';

const Created = z.object({ id: z.string(), revision: z.number().int() });
const chatPath = (id: string) => `/api/chats/${encodeURIComponent(id)}`;

export interface PageQuery {
  /** Messages with a seq below this one; the newest page when absent. */
  before?: number;
  /** Messages with a seq above this one, oldest first (not with `before`). */
  after?: number;
  limit?: number;
  signal?: AbortSignal;
}

export class ChatsApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  list = (characterId: string, signal?: AbortSignal) =>
    this.#http.json(
      'GET',
      `/api/chats?characterId=${encodeURIComponent(characterId)}`,
      z.array(ChatSummary),
      signal && { signal },
    );

  get = (id: string, signal?: AbortSignal) => this.#http.json('GET', chatPath(id), Chat, signal && { signal });

  messages = (id: string, query: PageQuery = {}) => {
    const params = new URLSearchParams();
    if (query.before !== undefined) params.set('before', String(query.before));
    if (query.after !== undefined) params.set('after', String(query.after));
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    return this.#http.json('GET', `${chatPath(id)}/messages?${params}`, MessagesPage, query.signal && { signal: query.signal });
  };

  // The writes below are the outbox's: they never wait for a person, the outbox does that for them.
  create = (request: CreateChatRequest) =>
    this.#http.json('POST', '/api/chats', Created, { body: request, waitForSignIn: false });

  applyOps = (id: string, ops: ChatOp[], signal?: AbortSignal) =>
    this.#http.json('POST', `${chatPath(id)}/ops`, OpsResponse, {
      body: { ops },
      waitForSignIn: false,
      ...(signal && { signal }),
    });

  delete = (id: string) => this.#http.empty('DELETE', chatPath(id), { waitForSignIn: false });

  /** A SillyTavern .jsonl file; sent once, now, and the user sees the outcome. */
  import = (characterId: string, file: File) => {
    const form = new FormData();
    form.append('characterId', characterId);
    form.append('file', file, file.name);
    return this.#http.json('POST', '/api/chats/import', ChatImportResponse, { form });
  };

  exportUrl = (id: string) => `${chatPath(id)}/export?format=jsonl`;
}
