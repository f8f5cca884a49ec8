import { EmptyTrashResponse, RestoreResponse, TrashList } from '../../shared/api/trash.js';
import type { Transport } from './transport.js';

/**
 * The trash. Restoring and emptying are single requests the user waits for (and can repeat: a second restore of the
 * same entry finds nothing), not outbox changes: each answers what came back or what is gone.
 */
export class TrashApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  list = (signal?: AbortSignal) => this.#http.json('GET', '/api/trash', TrashList, signal && { signal });

  restore = (id: string) => this.#http.json('POST', `/api/trash/${encodeURIComponent(id)}/restore`, RestoreResponse, { body: {} });

  empty = () => this.#http.json('DELETE', '/api/trash', EmptyTrashResponse);
}
