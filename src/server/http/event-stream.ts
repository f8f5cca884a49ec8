import type { FastifyReply } from 'fastify';

/** A text/event-stream response on a hijacked reply: events written as they come, and a way to hear the client go. */
export class EventStream {
  readonly #raw: FastifyReply['raw'];
  #ended = false;

  private constructor(raw: FastifyReply['raw']) {
    this.#raw = raw;
  }

  /** Sends the headers at once, so the client sees the stream open before the first event. */
  static open(reply: FastifyReply): EventStream {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies such as nginx would otherwise hold tokens back in their buffers.
      'x-accel-buffering': 'no',
    });
    raw.flushHeaders();
    const stream = new EventStream(raw);
    raw.on('close', () => {
      stream.#ended = true;
    });
    return stream;
  }

  get ended(): boolean {
    return this.#ended;
  }

  send(event: string, data: unknown): void {
    if (this.#ended) return;
    this.#raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** A comment line: keeps proxies from closing an idle stream; `retry` tells the browser when to reconnect. */
  comment(text: string, retryMs?: number): void {
    if (this.#ended) return;
    this.#raw.write(`${retryMs === undefined ? '' : `retry: ${retryMs}\n`}: ${text}\n\n`);
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#raw.end();
  }

  /** Called once when the client goes away or the stream is ended. */
  onClose(listener: () => void): void {
    this.#raw.on('close', listener);
  }
}
