import { SearchResponse, type SearchQuery } from '../../shared/api/search.js';
import type { Transport } from './transport.js';

/** Search across every chat: a read, asked for when the user searches. */
export class SearchApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  messages = (query: SearchQuery, signal?: AbortSignal) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    return this.#http.json('GET', `/api/search?${params}`, SearchResponse, signal && { signal });
  };
}
