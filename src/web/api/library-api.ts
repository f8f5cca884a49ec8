import { BulkTagResponse, LibraryPage, LibraryTags, type BulkTagRequest, type CardsExportRequest, type LibraryQuery } from '../../shared/api/library.js';
import type { Transport } from './transport.js';

/** The character library a page at a time, filtered and ordered by the server. */
export class LibraryApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  page = (query: LibraryQuery, signal?: AbortSignal) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    return this.#http.json('GET', `/api/library?${params}`, LibraryPage, signal && { signal });
  };

  tags = (signal?: AbortSignal) => this.#http.json('GET', '/api/library/tags', LibraryTags, signal && { signal });

  /** Idempotent, sent now: the user sees the outcome and may send it again. */
  /** The chosen cards as one zip of PNG cards. */
  exportCards = async (request: CardsExportRequest): Promise<Blob> => (await this.#http.send('POST', '/api/library/export', { body: request })).blob();

  tag = (request: BulkTagRequest) => this.#http.json('POST', '/api/library/tags', BulkTagResponse, { body: request });
}
