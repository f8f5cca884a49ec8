import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { MESSAGE_MAX_CHARS } from '../../shared/api/chats.js';
import type { SamplerSettings } from '../../shared/api/generation.js';
import type { FormattedPrompt } from './prompt-format.js';
import { buildRequestBody } from './request-body.js';
import { endpoint, upstreamHeaders, type UpstreamTarget } from './upstream-endpoint.js';
import { httpError, invalidResponse, networkError, redact, upstreamMessage, UpstreamError, type UpstreamPlace } from './upstream-error.js';

export interface CompletionRequest {
  target: UpstreamTarget;
  /** Chat messages go to /chat/completions, a text prompt to /completions. */
  prompt: FormattedPrompt;
  settings: SamplerSettings;
  /** Stop strings of the template and mode, sent with the connection's own. */
  stop: readonly string[];
}

export interface StreamOptions {
  /** Called with each piece of text as it arrives; must not throw. */
  onText: (delta: string) => void;
  /** Aborting it stops the generation: the upstream request is closed and the text so far returned. */
  signal?: AbortSignal | undefined;
  /** Until the response headers. Local backends may read a long prompt for minutes before they answer. */
  headersTimeoutMs?: number | undefined;
  /** Longest silence between two pieces of the stream. */
  idleTimeoutMs?: number | undefined;
}

export interface StreamOutcome {
  text: string;
  /** The backend's finish_reason ("stop", "length", ...), or null when it gave none or the user stopped. */
  finishReason: string | null;
  /** True when the signal stopped it. */
  stopped: boolean;
}

const DEFAULT_HEADERS_TIMEOUT_MS = 600_000;
const DEFAULT_IDLE_TIMEOUT_MS = 300_000;
/** An SSE line longer than this is no token stream (and must not grow memory without bound). */
const MAX_SSE_BUFFER = 4_000_000;

/**
 * Streams one completion from an OpenAI-compatible backend. Resolves when the reply is complete or the user
 * stopped it; rejects with an UpstreamError (carrying the text produced so far) when the backend could not be
 * reached, answered an HTTP error, cut the stream before it finished, sent a line that is not JSON, reported an
 * error mid-stream, or answered something that is not an OpenAI-compatible response. A backend that ignores
 * `stream: true` and answers one JSON object is understood too.
 */
export async function streamCompletion(request: CompletionRequest, options: StreamOptions): Promise<StreamOutcome> {
  const { target, prompt } = request;
  const place = endpoint(target, prompt.kind === 'chat' ? '/chat/completions' : '/completions');
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const idleTimeout = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const watchdog = new Watchdog();
  const signal = options.signal ? AbortSignal.any([options.signal, watchdog.signal]) : watchdog.signal;
  const stoppedByUser = () => options.signal?.aborted === true;

  watchdog.arm(headersTimeout);
  let response: Response;
  try {
    response = await fetch(place.url, {
      method: 'POST',
      headers: upstreamHeaders(target, 'text/event-stream, application/json'),
      body: JSON.stringify(buildRequestBody(target.baseUrl, target.model, prompt, request.settings, request.stop)),
      redirect: 'manual',
      signal,
    });
  } catch (error) {
    watchdog.disarm();
    if (stoppedByUser()) return { text: '', finishReason: null, stopped: true };
    throw networkError(error, place, headersTimeout);
  }
  if (!response.ok) {
    watchdog.disarm();
    throw await httpError(response, place, target.apiKey);
  }
  const contentType = response.headers.get('content-type') ?? '';
  if (contentType.includes('application/json')) {
    watchdog.disarm();
    return readWholeReply(response, place, prompt.kind, options.onText);
  }

  if (!response.body) {
    watchdog.disarm();
    throw invalidResponse(place, `an empty HTTP ${response.status} answer`);
  }
  const stream = new ReplyStream(prompt.kind, place, target.apiKey, options.onText);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  try {
    while (!stream.finished) {
      watchdog.arm(idleTimeout);
      const { done, value } = await reader.read();
      if (done) {
        stream.end();
        break;
      }
      stream.feed(decoder.decode(value, { stream: true }));
    }
  } catch (error) {
    if (stoppedByUser()) return { text: stream.text, finishReason: null, stopped: true };
    if (error instanceof UpstreamError) throw error;
    if (watchdog.fired) {
      throw new UpstreamError('timeout', `${place.url.host} sent nothing for ${idleTimeout / 1000} s, so the reply was cut.`, {
        partialText: stream.text,
      });
    }
    throw stream.cut();
  } finally {
    watchdog.disarm();
    void reader.cancel().catch(() => undefined);
  }
  return stream.outcome(contentType);
}

/** Turns SSE events into text, tracking how the stream ended. */
class ReplyStream {
  text = '';
  finishReason: string | null = null;
  finished = false;
  #sawData = false;
  #head = '';
  readonly #parser;

  constructor(
    readonly kind: FormattedPrompt['kind'],
    readonly place: UpstreamPlace,
    readonly apiKey: string | null | undefined,
    readonly onText: (delta: string) => void,
  ) {
    this.#parser = createParser({
      onEvent: (event) => this.#onEvent(event),
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') throw invalidResponse(place, 'a line of several megabytes');
      },
      maxBufferSize: MAX_SSE_BUFFER,
    });
  }

  feed(chunk: string): void {
    if (this.#head.length < 200) this.#head += chunk.slice(0, 200 - this.#head.length);
    this.#parser.feed(chunk);
  }

  /** A last event not followed by its blank line still counts. */
  end(): void {
    this.#parser.reset({ consume: true });
  }

  #onEvent(event: EventSourceMessage): void {
    if (this.finished) return;
    if (event.data.trim() === '[DONE]') {
      this.finished = true;
      return;
    }
    this.#sawData = true;
    let chunk: unknown;
    try {
      chunk = JSON.parse(event.data);
    } catch {
      throw new UpstreamError('invalid_json', `${this.place.url.host} sent a stream line that is not valid JSON: "${clipLine(event.data)}".`, {
        partialText: this.text,
      });
    }
    const reported = streamedError(chunk);
    if (reported !== undefined) {
      const said = redact(reported, this.apiKey);
      throw new UpstreamError('server_error', `${this.place.url.host} reported an error during the reply: "${said}"`, { partialText: this.text });
    }
    const choice = firstChoice(chunk);
    const delta = textOf(choice, this.kind, 'delta');
    if (delta) this.#append(delta);
    if (typeof choice?.finish_reason === 'string') this.finishReason = choice.finish_reason;
  }

  #append(delta: string): void {
    const room = MESSAGE_MAX_CHARS - this.text.length;
    const piece = delta.length > room ? delta.slice(0, room) : delta;
    this.text += piece;
    this.onText(piece);
    if (piece.length < delta.length) {
      // A reply as long as a message may be is finished, whatever the backend still sends.
      this.finishReason = 'length';
      this.finished = true;
    }
  }

  cut(): UpstreamError {
    return new UpstreamError('stream_cut', `The connection to ${this.place.url.host} closed before the reply was finished.`, {
      partialText: this.text,
    });
  }

  /** How a stream that ended ended: [DONE] or a finish_reason is complete; silence after data is a cut. */
  outcome(contentType: string): StreamOutcome {
    if (!this.finished && !this.#sawData) {
      const head = this.#head.trim() ? `: "${clipLine(this.#head)}"` : ', empty';
      throw invalidResponse(this.place, `got ${contentType || 'no content type'}${head}`);
    }
    if (!this.finished && this.finishReason === null) throw this.cut();
    return { text: this.text, finishReason: this.finishReason, stopped: false };
  }
}

/** For backends that answer `stream: true` with one JSON completion. */
async function readWholeReply(
  response: Response,
  place: UpstreamPlace,
  kind: FormattedPrompt['kind'],
  onText: (delta: string) => void,
): Promise<StreamOutcome> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw invalidResponse(place, 'JSON that does not parse');
  }
  const choice = firstChoice(body);
  const text = textOf(choice, kind, 'message');
  if (text === undefined) throw invalidResponse(place, 'JSON without choices[0] text');
  const clipped = text.slice(0, MESSAGE_MAX_CHARS);
  if (clipped) onText(clipped);
  return { text: clipped, finishReason: typeof choice?.finish_reason === 'string' ? choice.finish_reason : null, stopped: false };
}

interface Choice {
  delta?: { content?: unknown };
  message?: { content?: unknown };
  text?: unknown;
  finish_reason?: unknown;
}

function firstChoice(chunk: unknown): Choice | undefined {
  const choices = (chunk as { choices?: unknown } | null)?.choices;
  return Array.isArray(choices) && choices[0] && typeof choices[0] === 'object' ? (choices[0] as Choice) : undefined;
}

/** The text of a choice: chat puts it in delta/message.content, text completion in text; some servers mix them. */
function textOf(choice: Choice | undefined, kind: FormattedPrompt['kind'], chatField: 'delta' | 'message'): string | undefined {
  if (!choice) return undefined;
  const chat = choice[chatField]?.content;
  const text = choice.text;
  const first = kind === 'chat' ? [chat, text] : [text, chat];
  return first.find((t): t is string => typeof t === 'string');
}

function streamedError(chunk: unknown): string | undefined {
  if (!chunk || typeof chunk !== 'object' || !('error' in chunk)) return undefined;
  return upstreamMessage(JSON.stringify(chunk)) || 'unknown error';
}

const clipLine = (s: string) => (s.length > 120 ? `${s.slice(0, 120)}…` : s).replace(/\s+/g, ' ');

/** One timer that aborts the request when the backend goes quiet for too long; re-armed as data arrives. */
class Watchdog {
  readonly #controller = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  fired = false;

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  arm(ms: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.fired = true;
      this.#controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError'));
    }, ms);
  }

  disarm(): void {
    clearTimeout(this.#timer);
  }
}
