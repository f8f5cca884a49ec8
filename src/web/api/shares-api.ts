import { ChatShareList, type ShareRequest } from '../../shared/api/shares.js';
import type { Transport } from './transport.js';

const sharesPath = (chatId: string) => `/api/chats/${encodeURIComponent(chatId)}/shares`;

/**
 * Sharing a chat with other accounts. Sent now, not through the outbox: the owner waits to see who has the chat
 * (a handle may name nobody), and a repeat sets the same share again.
 */
export class SharesApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  list = (chatId: string, signal?: AbortSignal) => this.#http.json('GET', sharesPath(chatId), ChatShareList, signal && { signal });

  share = (chatId: string, request: ShareRequest) => this.#http.json('POST', sharesPath(chatId), ChatShareList, { body: request });

  unshare = (chatId: string, handle: string) => this.#http.empty('DELETE', `${sharesPath(chatId)}/${encodeURIComponent(handle)}`);
}
