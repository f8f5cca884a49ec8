import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

/**
 * Keep-alive pools for the backends' streams. node:http rather than fetch: on the way to a reply's first token,
 * undici's request, stream and promise machinery cost about a millisecond of CPU before the request leaves and
 * another once the answer is back, and the first token waits for both.
 */
const httpAgent = new HttpAgent({ keepAlive: true });
const httpsAgent = new HttpsAgent({ keepAlive: true });

/** How long the end of a finished reply may take before its connection is closed rather than reused. */
const DRAIN_MS = 1_000;
const DRAIN_CHUNKS = 100;
/** Statuses whose web Response has no body (the Fetch standard's null body statuses, 101 and 103 aside). */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/** A backend's answer once its headers arrived: the body is read as it streams, as text. */
export class UpstreamResponse {
  readonly #message: IncomingMessage;
  #chunks: AsyncIterator<string> | undefined;

  constructor(message: IncomingMessage) {
    this.#message = message;
  }

  get status(): number {
    return this.#message.statusCode ?? 0;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  header(name: string): string | undefined {
    const value = this.#message.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  /** The body's text as it arrives (UTF-8; a character split between two packets comes whole). */
  chunks(): AsyncIterator<string> {
    this.#message.setEncoding('utf8');
    this.#chunks ??= this.#message[Symbol.asyncIterator]();
    return this.#chunks;
  }

  /** For the rarer readers (error answers, a whole JSON reply): the answer as a web Response. Statuses outside
   *  200-599, which a Response cannot carry, are read as 502; those it carries only without a body (204, 205, 304)
   *  get none, as fetch gave them. */
  toResponse(): Response {
    const headers = new Headers();
    const raw = this.#message.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
    const status = this.status >= 200 && this.status <= 599 ? this.status : 502;
    if (NULL_BODY_STATUSES.has(status)) {
      this.#message.resume();
      return new Response(null, { status, headers });
    }
    return new Response(Readable.toWeb(this.#message) as ReadableStream<Uint8Array>, { status, headers });
  }

  /**
   * Done with the answer. After a whole reply the rest of the body (its last bytes, usually on their way) is read
   * so that the connection serves the next request, for a second and a few chunks at most; any other answer's
   * connection is closed.
   */
  close(whole: boolean): void {
    const message = this.#message;
    if (!whole && !message.complete) return void message.destroy();
    const rest = this.#chunks ?? this.chunks();
    const giveUp = setTimeout(() => message.destroy(), DRAIN_MS).unref();
    void (async () => {
      for (let i = 0; i < DRAIN_CHUNKS; i++) if ((await rest.next()).done) return;
      message.destroy();
    })()
      .catch(() => undefined)
      .finally(() => clearTimeout(giveUp));
  }
}

/**
 * POSTs `body` to `url` and resolves once the response headers arrive. Nothing is followed (a redirect is an answer
 * like any other), a URL with credentials in it is refused, and aborting `signal` closes the request, before or
 * after the headers (a body being read then fails with the abort).
 */
export async function postUpstream(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<UpstreamResponse> {
  // As fetch did: a key belongs in the connection's key field, where it is sent as its provider wants.
  if (url.username || url.password) throw new TypeError('a URL with credentials in it is not requested');
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`unsupported protocol ${url.protocol}`);
  try {
    return await send(url, headers, body, signal, true);
  } catch (error) {
    // A kept-alive connection that the backend closed while it sat idle fails as it is reused, before the backend
    // read a byte (the case Node's http documentation names): the request is sent once more, on a new connection.
    if (!(error instanceof StaleConnection)) throw error;
    if (signal.aborted) throw error.cause;
    return send(url, headers, body, signal, false);
  }
}

/** A reused connection's reset before any answer. */
class StaleConnection extends Error {}

function send(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal, pooled: boolean): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    const https = url.protocol === 'https:';
    const request = (https ? httpsRequest : httpRequest)(
      {
        method: 'POST',
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || undefined,
        path: url.pathname + url.search,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        // The retry takes a connection of its own: the pool may hold another one the backend has closed.
        agent: pooled ? (https ? httpsAgent : httpAgent) : false,
        signal,
      },
      (message) => resolve(new UpstreamResponse(message)),
    );
    request.on('error', (error: NodeJS.ErrnoException) => {
      const stale = request.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE');
      reject(stale ? new StaleConnection('a kept-alive connection was closed', { cause: error }) : error);
    });
    request.end(body);
  });
}
