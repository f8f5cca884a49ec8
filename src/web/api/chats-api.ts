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
import { BranchTree, type CreateBranchRequest } from '../../shared/api/branches.js';
import { BookmarkList, UndoSteps } from '../../shared/api/history.js';
import { ResolvedOverridesView } from '../../shared/api/generation-overrides.js';

const Created = z.object({ id: z.string(), revision: z.number().int() });
const chatPath = (id: string) => `/api/chats/${encodeURIComponent(id)}`;

export interface PageQuery {
  /** Messages with a seq below this one; the newest page when absent. */
  before?: number;
  /** Messages with a seq above this one, oldest first (not with `before`). */
  after?: number;
  /** The page with this seq near its middle (not with `before` or `after`). */
  around?: number;
  limit?: number;
  signal?: AbortSignal;
}

export class ChatsApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  /** What the chat's generation uses (connection, system prompt, preset, template ids) and where each comes from. */
  overrides = (id: string, signal?: AbortSignal) =>
    this.#http.json('GET', `${chatPath(id)}/overrides`, ResolvedOverridesView, signal && { signal });

  list = (characterId: string, signal?: AbortSignal) =>
    this.#http.json(
      'GET',
      `/api/chats?characterId=${encodeURIComponent(characterId)}`,
      z.array(ChatSummary),
      signal && { signal },
    );

  /** The newest chats across every character (the home screen). */
  recent = (limit: number, signal?: AbortSignal) =>
    this.#http.json('GET', `/api/chats?limit=${limit}`, z.array(ChatSummary), signal && { signal });

  tree = (id: string, signal?: AbortSignal) => this.#http.json('GET', `${chatPath(id)}/tree`, BranchTree, signal && { signal });

  undoSteps = (id: string, signal?: AbortSignal) => this.#http.json('GET', `${chatPath(id)}/undo`, UndoSteps, signal && { signal });

  bookmarks = (signal?: AbortSignal) => this.#http.json('GET', '/api/bookmarks', BookmarkList, signal && { signal });

  /**
   * A branch (or named checkpoint) from a message. Sent now, as an upload is, since the user waits to open it; the
   * client-made id makes a repeated request return the branch made the first time.
   */
  branch = (id: string, request: CreateBranchRequest) => this.#http.json('POST', `${chatPath(id)}/branches`, Chat, { body: request });

  listOfGroup = (groupId: string, signal?: AbortSignal) =>
    this.#http.json('GET', `/api/chats?groupId=${encodeURIComponent(groupId)}`, z.array(ChatSummary), signal && { signal });

  get = (id: string, signal?: AbortSignal) => this.#http.json('GET', chatPath(id), Chat, signal && { signal });

  messages = (id: string, query: PageQuery = {}) => {
    const params = new URLSearchParams();
    if (query.before !== undefined) params.set('before', String(query.before));
    if (query.after !== undefined) params.set('after', String(query.after));
    if (query.around !== undefined) params.set('around', String(query.around));
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
