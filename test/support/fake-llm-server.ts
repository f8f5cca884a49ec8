import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** What the fake backend does with the next completion requests; change it between (or during) tests. */
export interface FakeLlmScript {
  /** The reply, one SSE event per piece. Default: "Hello, world!" in four pieces. */
  tokens?: string[];
  /** Wait before each piece. */
  delayMs?: number;
  /** Pace pieces at this rate instead (what is due is written on each timer tick), for benchmarks. */
  tokensPerSecond?: number;
  /** Wait before answering at all (headers included). */
  headersDelayMs?: number;
  /** Close the socket after this many pieces, without [DONE]: a cut stream. */
  dropAfter?: number;
  /** Send a data line that is not JSON after this many pieces. */
  invalidJsonAfter?: number;
  /** Send an `{error: ...}` chunk after this many pieces, as llama.cpp and OpenRouter do mid-stream. */
  errorAfter?: number;
  /** End the stream cleanly but without [DONE] or a finish_reason. */
  omitDone?: boolean;
  /** Answer one JSON completion even when asked to stream. */
  ignoreStream?: boolean;
  /** Answer every request, /models included, with this HTTP status and an OpenAI-style error body. */
  status?: number;
  errorMessage?: string;
  /** Sent as Retry-After with a 429. */
  retryAfter?: number;
  /** Answer every request with this body instead (a web page, say). */
  raw?: { status?: number; contentType: string; body: string };
  /** Answer every request with a 307 redirect to this address. */
  redirectTo?: string;
  finishReason?: string;
  models?: string[];
  /** Reasoning pieces streamed before the reply, in `delta[reasoningField]` (chat only). */
  reasoning?: string[];
  /** `reasoning_content` (DeepSeek, llama.cpp, xAI) or `reasoning` (OpenRouter, vLLM, Ollama). Default reasoning_content. */
  reasoningField?: 'reasoning_content' | 'reasoning';
  /** Sent as a last chunk `{choices: [], usage}` before [DONE], as OpenAI does with stream_options.include_usage. */
  usage?: Record<string, unknown>;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or null. */
  body: Record<string, unknown> | null;
  /** The client's port: requests that share it came over one kept-alive connection. */
  remotePort?: number | undefined;
}

export const DEFAULT_TOKENS = ['Hello', ',', ' world', '!'];
const MAX_BODY_BYTES = 50_000_000;

/** n pieces " t0", " t1", ... for benchmarks and long streams. */
export const numberedTokens = (n: number) => Array.from({ length: n }, (_, i) => ` t${i}`);

/**
 * A small OpenAI-compatible backend on 127.0.0.1 (ephemeral port): GET /v1/models, POST /v1/chat/completions and
 * /v1/completions, streaming or not, with scripted delays, drops, errors and rates; it records every request.
 */
export class FakeLlmServer {
  script: FakeLlmScript;
  readonly requests: RecordedRequest[] = [];
  /** Streams whose client went away before the reply was finished (a stop closes the upstream request). */
  clientAborts = 0;
  readonly #server: Server;
  readonly #port: number;

  private constructor(server: Server, script: FakeLlmScript) {
    this.#server = server;
    this.#port = (server.address() as AddressInfo).port;
    this.script = script;
  }

  static async start(script: FakeLlmScript = {}): Promise<FakeLlmServer> {
    let fake: FakeLlmServer | undefined;
    const server = createServer((req, res) => {
      void fake!.#handle(req, res).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeLlmServer(server, script);
    return fake;
  }

  /** The base URL a connection profile uses, ending in /v1. */
  get url(): string {
    return `${this.origin}/v1`;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  /** The last completion request's body (what Parley sent as the prompt). */
  lastCompletion(): Record<string, unknown> {
    const found = this.requests.findLast((r) => r.method === 'POST');
    if (!found?.body) throw new Error('the fake LLM server received no completion request');
    return found.body;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    this.requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body, remotePort: req.socket.remotePort });
    const script = this.script;
    if (script.headersDelayMs) await sleep(script.headersDelayMs);
    if (script.redirectTo) {
      res.writeHead(307, { location: script.redirectTo });
      res.end();
      return;
    }
    if (script.raw) {
      res.writeHead(script.raw.status ?? 200, { 'content-type': script.raw.contentType });
      res.end(script.raw.body);
      return;
    }
    if (script.status) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (script.retryAfter !== undefined) headers['retry-after'] = String(script.retryAfter);
      res.writeHead(script.status, headers);
      res.end(JSON.stringify({ error: { message: script.errorMessage ?? `fake error ${script.status}`, type: 'fake', code: script.status } }));
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') {
      sendJson(res, 200, { object: 'list', data: (script.models ?? ['fake-model']).map((id) => ({ id, object: 'model', owned_by: 'fake' })) });
      return;
    }
    const kind = req.method === 'POST' && path === '/v1/chat/completions' ? 'chat' : req.method === 'POST' && path === '/v1/completions' ? 'text' : null;
    if (!kind) {
      sendJson(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'not_found' } });
      return;
    }
    const tokens = script.tokens ?? DEFAULT_TOKENS;
    if (body?.stream !== true || script.ignoreStream) {
      const text = tokens.join('');
      const choice = kind === 'chat' ? { index: 0, message: { role: 'assistant', content: text } } : { index: 0, text };
      sendJson(res, 200, { id: 'fake-1', object: kind === 'chat' ? 'chat.completion' : 'text_completion', choices: [{ ...choice, finish_reason: script.finishReason ?? 'stop' }] });
      return;
    }
    await this.#stream(res, kind, tokens, script);
  }

  async #stream(res: ServerResponse, kind: 'chat' | 'text', tokens: readonly string[], script: FakeLlmScript): Promise<void> {
    let clientGone = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        clientGone = true;
        this.clientAborts++;
      }
    });
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    // Node holds headers back until the first body write; a streaming backend sends them at once.
    res.flushHeaders();
    const chunk = (fields: Record<string, unknown>, finish: string | null) =>
      `data: ${JSON.stringify({
        id: 'fake-1',
        object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion',
        model: 'fake-model',
        choices: [{ index: 0, ...fields, finish_reason: finish }],
      })}\n\n`;
    const piece = (t: string) => chunk(kind === 'chat' ? { delta: { content: t } } : { text: t }, null);
    for (const thought of script.reasoning ?? []) {
      if (kind === 'chat') res.write(chunk({ delta: { [script.reasoningField ?? 'reasoning_content']: thought } }, null));
    }
    const started = performance.now();
    let sent = 0;
    let faultSent = false;
    while (sent < tokens.length && !clientGone) {
      if (script.dropAfter !== undefined && sent >= script.dropAfter) {
        await new Promise<void>((resolve) => res.write('', () => resolve()));
        res.socket?.destroy();
        return;
      }
      if (!faultSent && sent === script.invalidJsonAfter) {
        faultSent = true;
        res.write('data: {"choices": [{"delta": {"content": "oops"\n\n');
      }
      if (!faultSent && sent === script.errorAfter) {
        faultSent = true;
        res.write(`data: ${JSON.stringify({ error: { message: script.errorMessage ?? 'fake mid-stream error' } })}\n\n`);
      }
      let due = sent + 1;
      if (script.tokensPerSecond) {
        due = Math.min(tokens.length, Math.floor(((performance.now() - started) * script.tokensPerSecond) / 1000) + 1);
        if (script.dropAfter !== undefined) due = Math.min(due, script.dropAfter);
      } else if (script.delayMs) {
        await sleep(script.delayMs);
      }
      let out = '';
      for (; sent < due && !clientGone; sent++) out += piece(tokens[sent] as string);
      if (out) res.write(out);
      if (script.tokensPerSecond && sent < tokens.length) await sleep(1);
    }
    if (clientGone) return;
    if (script.omitDone) {
      res.end();
      return;
    }
    const usage = script.usage ? `data: ${JSON.stringify({ id: 'fake-1', object: 'chat.completion.chunk', choices: [], usage: script.usage })}\n\n` : '';
    res.end(chunk(kind === 'chat' ? { delta: {} } : { text: '' }, script.finishReason ?? 'stop') + usage + 'data: [DONE]\n\n');
  }
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large for the fake LLM server');
    chunks.push(chunk);
  }
  if (size === 0) return null;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}
