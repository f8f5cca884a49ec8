import { UsageReport, type UsageQuery } from '../../shared/api/usage.js';
import type { Transport } from './transport.js';

/** Token usage by day, for a connection or a chat. */
export class UsageApi {
  readonly #http: Transport;

  constructor(http: Transport) {
    this.#http = http;
  }

  report = (query: Partial<Pick<UsageQuery, 'connectionId' | 'chatId' | 'days'>>, signal?: AbortSignal) => {
    const params = new URLSearchParams({
      days: String(query.days ?? 30),
      // Days end at the reader's midnight.
      tzOffset: String(-new Date().getTimezoneOffset()),
      ...(query.connectionId && { connectionId: query.connectionId }),
      ...(query.chatId && { chatId: query.chatId }),
    });
    return this.#http.json('GET', `/api/usage?${params.toString()}`, UsageReport, signal && { signal });
  };
}
