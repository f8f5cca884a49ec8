import type { TestClient } from './http-client.js';

export interface SseEvent {
  event: string;
  data: any;
}

/** Reads a server-sent event stream with the client's cookies; `next()` waits for one event, bounded in time. */
export class SseReader {
  readonly #controller = new AbortController();
  readonly #queue: SseEvent[] = [];
  #wake: (() => void) | null = null;
  #ended = false;
  status = 0;
  ready: Promise<void>;

  constructor(client: TestClient, path: string, init: { method?: string; body?: unknown } = {}) {
    const headers: Record<string, string> = { cookie: client.cookieHeader, accept: 'text/event-stream' };
    if (init.method && init.method !== 'GET') {
      headers['x-csrf-token'] = client.csrfToken ?? '';
      headers['content-type'] = 'application/json';
    }
    this.ready = fetch(client.baseUrl + path, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: this.#controller.signal,
    }).then(async (response) => {
      this.status = response.status;
      void this.#pump(response).catch(() => this.#end());
    });
  }

  async #pump(response: Response) {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let split: number;
      while ((split = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, split);
        buffer = buffer.slice(split + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (data.length === 0) continue;
        const text = data.join('\n');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // plain text data stays a string
        }
        this.#queue.push({ event, data: parsed });
        this.#wake?.();
      }
    }
    this.#end();
  }

  #end() {
    this.#ended = true;
    this.#wake?.();
  }

  get ended(): boolean {
    return this.#ended && this.#queue.length === 0;
  }

  /** The next event, or null when the stream ended; rejects after `timeoutMs`. */
  async next(timeoutMs = 5000): Promise<SseEvent | null> {
    await this.ready;
    const deadline = Date.now() + timeoutMs;
    while (this.#queue.length === 0) {
      if (this.#ended) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no server-sent event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = null;
    }
    return this.#queue.shift()!;
  }

  /** Events until one matches, or throws after `timeoutMs`. */
  async until(match: (e: SseEvent) => boolean, timeoutMs = 5000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = await this.next(Math.max(1, deadline - Date.now()));
      if (event === null) throw new Error('the stream ended before the expected event');
      if (match(event)) return event;
    }
  }

  close() {
    this.#controller.abort();
  }
}

/** Every event of a generation stream up to and including its final one (done or error). */
export async function untilEnd(reader: SseReader, timeoutMs = 15_000): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const event = await reader.next(Math.max(1, deadline - Date.now()));
    if (event === null) return events;
    events.push(event);
    if (event.event === 'done' || event.event === 'error') return events;
  }
}

/** The text a generation stream carried in its token events. */
export const tokensOf = (events: SseEvent[]) =>
  events
    .filter((e) => e.event === 'token')
    .map((e) => e.data.text as string)
    .join('');
