import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { readJson, sendJson, type RecordedRequest } from './fake-llm-server.js';

/** What the fake Messages API does with the next requests; change it between (or during) tests. */
export interface FakeAnthropicScript {
  /** text_delta pieces. Default: "Hello, world!" in four. */
  text?: string[];
  /** thinking_delta pieces, in a thinking block before the text. */
  thinking?: string[];
  delayMs?: number;
  /** message_start's usage (input side) and message_delta's output_tokens. */
  usage?: { input_tokens: number; output_tokens: number; cache_creation_input_tokens?: number; cache_read_input_tokens?: number };
  stopReason?: string;
  /** Close the socket after this many text pieces, before message_stop. */
  dropAfter?: number;
  /** Send an `error` event after this many text pieces (e.g. overloaded_error, as a 529 mid-stream). */
  errorAfter?: { pieces: number; type: string; message: string };
  /** Answer every request with this HTTP status and an Anthropic error body. */
  status?: number;
  errorType?: string;
  errorMessage?: string;
  retryAfter?: number;
  models?: string[];
}

/**
 * A small Anthropic Messages API on 127.0.0.1, written from Anthropic's public API reference: POST /v1/messages
 * streams message_start, ping, content_block_start/delta/stop (thinking then text), message_delta, message_stop;
 * GET /v1/models lists models; errors are `{type: "error", error: {type, message}}`. It records every request.
 */
export class FakeAnthropicServer {
  script: FakeAnthropicScript = {};
  readonly requests: RecordedRequest[] = [];
  clientAborts = 0;
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<FakeAnthropicServer> {
    let fake: FakeAnthropicServer | undefined;
    const server = createServer((req, res) => void fake!.#handle(req, res).catch(() => res.destroy()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeAnthropicServer(server);
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/v1`;
  }

  /** The last request's JSON, loosely typed like the test client's replies: tests read into it freely. */
  lastBody(): Record<string, any> {
    const found = this.requests.findLast((r) => r.method === 'POST');
    if (!found?.body) throw new Error('the fake Anthropic server received no message request');
    return found.body;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    this.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
    const s = this.script;
    if (s.status) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (s.retryAfter !== undefined) headers['retry-after'] = String(s.retryAfter);
      res.writeHead(s.status, headers);
      res.end(JSON.stringify({ type: 'error', error: { type: s.errorType ?? 'api_error', message: s.errorMessage ?? `fake error ${s.status}` } }));
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') {
      const data = (s.models ?? ['claude-sonnet-4-5', 'claude-opus-4-1']).map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' }));
      sendJson(res, 200, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/messages') {
      sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: `no route ${req.method} ${path}` } });
      return;
    }
    await this.#stream(res, s);
  }

  async #stream(res: ServerResponse, s: FakeAnthropicScript): Promise<void> {
    let gone = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        gone = true;
        this.clientAborts++;
      }
    });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    const send = (type: string, data: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    const usage = s.usage ?? { input_tokens: 12, output_tokens: 4 };
    const { output_tokens, ...input } = usage;
    send('message_start', {
      message: { id: 'msg_fake', type: 'message', role: 'assistant', content: [], model: 'fake', stop_reason: null, usage: { ...input, output_tokens: 1 } },
    });
    send('ping', {});
    let index = 0;
    if (s.thinking) {
      send('content_block_start', { index, content_block: { type: 'thinking', thinking: '' } });
      for (const piece of s.thinking) {
        if (gone) return;
        if (s.delayMs) await sleep(s.delayMs);
        send('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: piece } });
      }
      send('content_block_delta', { index, delta: { type: 'signature_delta', signature: 'fake-signature' } });
      send('content_block_stop', { index });
      index++;
    }
    send('content_block_start', { index, content_block: { type: 'text', text: '' } });
    const text = s.text ?? ['Hello', ',', ' world', '!'];
    for (let i = 0; i < text.length; i++) {
      if (gone) return;
      if (s.dropAfter === i) {
        await new Promise<void>((resolve) => res.write('', () => resolve()));
        res.socket?.destroy();
        return;
      }
      if (s.errorAfter?.pieces === i) {
        send('error', { error: { type: s.errorAfter.type, message: s.errorAfter.message } });
        res.end();
        return;
      }
      if (s.delayMs) await sleep(s.delayMs);
      send('content_block_delta', { index, delta: { type: 'text_delta', text: text[i] } });
    }
    send('content_block_stop', { index });
    send('message_delta', { delta: { stop_reason: s.stopReason ?? 'end_turn', stop_sequence: null }, usage: { output_tokens } });
    send('message_stop', {});
    res.end();
  }
}
