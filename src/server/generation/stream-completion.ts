import type { SamplerSettings } from '../../shared/api/generation.js';
import { AnthropicReplyStream } from './anthropic-stream.js';
import { anthropicRequestBody } from './anthropic-request.js';
import { GeminiReplyStream } from './gemini-stream.js';
import { geminiRequestBody } from './gemini-request.js';
import { OpenAiReplyStream, readWholeReply } from './openai-stream.js';
import type { FormattedPrompt } from './prompt-format.js';
import type { ReplySink, ReplyStream, StreamOutcome } from './reply-stream.js';
import { buildRequestBody } from './request-body.js';
import { endpoint, upstreamHeaders, type UpstreamTarget } from './upstream-endpoint.js';
import { postUpstream, type UpstreamResponse } from './upstream-request.js';
import { httpError, networkError, UpstreamError, type UpstreamPlace } from './upstream-error.js';

export type { StreamOutcome } from './reply-stream.js';

export interface CompletionRequest {
  target: UpstreamTarget;
  /** Chat messages go to /chat/completions, a text prompt to /completions, a neutral prompt to Anthropic or Gemini. */
  prompt: FormattedPrompt;
  settings: SamplerSettings;
  /** Stop strings of the template and mode, sent with the connection's own. */
  stop: readonly string[];
}

export interface StreamOptions extends ReplySink {
  /** Aborting it stops the generation: the upstream request is closed and the text so far returned. */
  signal?: AbortSignal | undefined;
  /** Until the response headers. Local backends may read a long prompt for minutes before they answer. */
  headersTimeoutMs?: number | undefined;
  /** Longest silence between two pieces of the stream. */
  idleTimeoutMs?: number | undefined;
}

const DEFAULT_HEADERS_TIMEOUT_MS = 600_000;
const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

/** Where a request goes, what it says, and which decoder reads its stream. */
interface WireRequest {
  place: UpstreamPlace;
  body: unknown;
  decoder: (sink: ReplySink) => ReplyStream;
  /** OpenAI-compatible backends may ignore `stream: true` and answer one JSON completion. */
  wholeReply?: (response: Response, sink: ReplySink) => Promise<StreamOutcome>;
}

/** The request in the connection's wire format. */
function wireRequest(request: CompletionRequest): WireRequest {
  const { target, prompt, settings, stop } = request;
  const api = target.api ?? (prompt.kind === 'text' ? 'text-completions' : 'chat-completions');
  if (api === 'anthropic' || api === 'google') {
    if (prompt.kind !== 'neutral') throw new UpstreamError('bad_request', `The ${api} API takes a prompt of messages.`);
    if (api === 'anthropic') {
      const place = endpoint(target, '/messages');
      return { place, body: anthropicRequestBody(prompt.prompt, target.model, settings, stop), decoder: (sink) => new AnthropicReplyStream(place, target.apiKey, sink) };
    }
    const place = endpoint(target, `/models/${encodeURIComponent(target.model)}:streamGenerateContent`, { alt: 'sse' });
    return { place, body: geminiRequestBody(prompt.prompt, settings, stop), decoder: (sink) => new GeminiReplyStream(place, target.apiKey, sink) };
  }
  if (prompt.kind === 'neutral') throw new UpstreamError('bad_request', 'An OpenAI-compatible API takes chat messages or a text prompt.');
  const place = endpoint(target, prompt.kind === 'chat' ? '/chat/completions' : '/completions');
  return {
    place,
    body: buildRequestBody(target.baseUrl, target.model, prompt, settings, stop),
    decoder: (sink) => new OpenAiReplyStream(prompt.kind, place, target.apiKey, sink),
    wholeReply: (response, sink) => readWholeReply(response, place, prompt.kind, sink),
  };
}

/**
 * Streams one completion from an OpenAI-compatible backend, Anthropic's Messages API or the Gemini API. Resolves when
 * the reply is complete or the user stopped it; rejects with an UpstreamError (carrying the text produced so far)
 * when the backend could not be reached, answered an HTTP error, cut the stream before it finished, sent a line that
 * is not JSON, reported an error or a safety block mid-stream, or answered something that is not its API's response.
 */
export async function streamCompletion(request: CompletionRequest, options: StreamOptions): Promise<StreamOutcome> {
  const { target } = request;
  const wire = wireRequest(request);
  const { place } = wire;
  const headersTimeout = options.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const idleTimeout = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const watchdog = new Watchdog();
  const signal = options.signal ? AbortSignal.any([options.signal, watchdog.signal]) : watchdog.signal;
  const stoppedByUser = () => options.signal?.aborted === true;
  const stoppedOutcome = (stream?: ReplyStream): StreamOutcome => ({
    text: stream?.text ?? '',
    reasoning: stream?.reasoning ?? '',
    finishReason: null,
    stopped: true,
    usage: stream?.usage ?? null,
  });

  watchdog.arm(headersTimeout);
  let response: UpstreamResponse;
  try {
    response = await postUpstream(place.url, upstreamHeaders(target, 'text/event-stream, application/json'), JSON.stringify(wire.body), signal);
  } catch (error) {
    watchdog.disarm();
    if (stoppedByUser()) return stoppedOutcome();
    throw networkError(watchdog.fired ? watchdog.signal.reason : error, place, headersTimeout);
  }
  if (!response.ok) {
    watchdog.disarm();
    throw await httpError(response.toResponse(), place, target.apiKey);
  }
  const contentType = response.header('content-type') ?? '';
  if (contentType.includes('application/json') && wire.wholeReply) {
    watchdog.disarm();
    return wire.wholeReply(response.toResponse(), options);
  }

  const stream = wire.decoder(options);
  const chunks = response.chunks();
  let whole = false;
  try {
    while (!stream.finished) {
      watchdog.arm(idleTimeout);
      const { done, value } = await chunks.next();
      if (done) {
        stream.end();
        break;
      }
      stream.feed(value);
    }
    whole = true;
  } catch (error) {
    if (stoppedByUser()) return stoppedOutcome(stream);
    if (error instanceof UpstreamError) throw error;
    if (watchdog.fired) {
      throw stream.fail('timeout', `${place.url.host} sent nothing for ${idleTimeout / 1000} s, so the reply was cut.`);
    }
    throw stream.cut();
  } finally {
    watchdog.disarm();
    response.close(whole);
  }
  return stream.outcome(contentType);
}

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
