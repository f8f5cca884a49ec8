import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { readJson, sendJson, type RecordedRequest } from './fake-llm-server.js';

/** What the fake Gemini API does with the next requests. */
export interface FakeGeminiScript {
  /** Text parts, one chunk each. Default: "Hello, world!" in four. */
  text?: string[];
  /** Thought parts (`thought: true`), sent before the text. */
  thoughts?: string[];
  delayMs?: number;
  finishReason?: string;
  /** Answer with promptFeedback.blockReason and no candidates. */
  blockReason?: string;
  usage?: { promptTokenCount: number; candidatesTokenCount: number; thoughtsTokenCount?: number; cachedContentTokenCount?: number };
  /** Close the socket after this many text chunks. */
  dropAfter?: number;
  /** Answer every request with this HTTP status and a Google error body. */
  status?: number;
  errorStatus?: string;
  errorMessage?: string;
  /** RetryInfo's retryDelay in a 429 body, e.g. "17s". */
  retryDelay?: string;
  /** ErrorInfo's reason, e.g. API_KEY_INVALID. */
  reason?: string;
  models?: string[];
}

export interface RecordedGeminiRequest extends RecordedRequest {
  query: URLSearchParams;
}

/**
 * A small Gemini API on 127.0.0.1, written from Google's public API reference: POST
 * /v1beta/models/{model}:streamGenerateContent?alt=sse streams GenerateContentResponse chunks (`data:` lines, no end
 * marker: the last chunk has the finishReason and usageMetadata); GET /v1beta/models lists models with their
 * generation methods; errors are `{error: {code, message, status, details}}`. It records every request.
 */
export class FakeGeminiServer {
  script: FakeGeminiScript = {};
  readonly requests: RecordedGeminiRequest[] = [];
  readonly #server: Server;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<FakeGeminiServer> {
    let fake: FakeGeminiServer | undefined;
    const server = createServer((req, res) => void fake!.#handle(req, res).catch(() => res.destroy()));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeGeminiServer(server);
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/v1beta`;
  }

  /** The last request's JSON, loosely typed like the test client's replies: tests read into it freely. */
  lastBody(): Record<string, any> {
    const found = this.requests.findLast((r) => r.method === 'POST');
    if (!found?.body) throw new Error('the fake Gemini server received no generate request');
    return found.body;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const url = new URL(req.url ?? '/', 'http://fake');
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body });
    const s = this.script;
    if (s.status) {
      const details = [
        ...(s.reason ? [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: s.reason, domain: 'googleapis.com' }] : []),
        ...(s.retryDelay ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: s.retryDelay }] : []),
      ];
      sendJson(res, s.status, { error: { code: s.status, message: s.errorMessage ?? `fake error ${s.status}`, status: s.errorStatus ?? 'INTERNAL', details } });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/v1beta/models') {
      const models = (s.models ?? ['gemini-2.5-flash', 'gemini-2.5-pro']).map((id) => ({
        name: `models/${id}`,
        displayName: id,
        supportedGenerationMethods: ['generateContent', 'countTokens'],
      }));
      models.push({ name: 'models/text-embedding-004', displayName: 'embedding', supportedGenerationMethods: ['embedContent'] });
      sendJson(res, 200, { models });
      return;
    }
    const match = /^\/v1beta\/models\/([^/:]+):streamGenerateContent$/.exec(url.pathname);
    if (req.method !== 'POST' || !match || url.searchParams.get('alt') !== 'sse') {
      sendJson(res, 404, { error: { code: 404, message: `no route ${req.method} ${url.pathname}`, status: 'NOT_FOUND' } });
      return;
    }
    await this.#stream(res, s);
  }

  async #stream(res: ServerResponse, s: FakeGeminiScript): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    const send = (chunk: Record<string, unknown>) => res.write(`data: ${JSON.stringify(chunk)}\r\n\r\n`);
    const candidate = (parts: unknown[], finishReason?: string) => ({
      candidates: [{ content: { parts, role: 'model' }, index: 0, ...(finishReason && { finishReason }) }],
      modelVersion: 'fake-gemini',
    });
    if (s.blockReason) {
      send({ promptFeedback: { blockReason: s.blockReason, safetyRatings: [] }, usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 } });
      res.end();
      return;
    }
    for (const thought of s.thoughts ?? []) {
      if (s.delayMs) await sleep(s.delayMs);
      send(candidate([{ text: thought, thought: true }]));
    }
    const text = s.text ?? ['Hello', ',', ' world', '!'];
    for (let i = 0; i < text.length; i++) {
      if (s.dropAfter === i) {
        await new Promise<void>((resolve) => res.write('', () => resolve()));
        res.socket?.destroy();
        return;
      }
      if (s.delayMs) await sleep(s.delayMs);
      const last = i === text.length - 1;
      send({
        ...candidate([{ text: text[i] }], last ? (s.finishReason ?? 'STOP') : undefined),
        ...(last && { usageMetadata: s.usage ?? { promptTokenCount: 21, candidatesTokenCount: 4, totalTokenCount: 25 } }),
      });
    }
    if (text.length === 0) send({ ...candidate([], s.finishReason ?? 'STOP'), usageMetadata: s.usage ?? { promptTokenCount: 21, candidatesTokenCount: 0 } });
    res.end();
  }
}
