import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { MESSAGE_MAX_CHARS } from '../../shared/api/chats.js';
import type { ReplyUsage } from '../../shared/api/generation.js';
import { cutText } from '../../shared/cut-text.js';
import { invalidResponse, UpstreamError, type UpstreamPlace } from './upstream-error.js';

/** An SSE line longer than this is no token stream (and must not grow memory without bound). */
const MAX_SSE_BUFFER = 4_000_000;

/** Where the pieces of a reply go as they arrive; none may throw. */
export interface ReplySink {
  onText: (delta: string) => void;
  onReasoning?: ((delta: string) => void) | undefined;
  onUsage?: ((usage: ReplyUsage) => void) | undefined;
}

export interface StreamOutcome {
  /** The reply as the API sent it (reasoning sent apart is not in it). */
  text: string;
  reasoning: string;
  /** How the API said it ended ("stop", "length", "end_turn", "STOP", ...), or null when it gave none or the user stopped. */
  finishReason: string | null;
  /** True when the signal stopped it. */
  stopped: boolean;
  /** Token counts, when the API reported them. */
  usage: ReplyUsage | null;
}

/**
 * Turns one API's server-sent events into reply text, reasoning and usage, and tracks how the stream ended. Each wire
 * format says what its events mean in `onData`; the bookkeeping shared by all of them lives here: the length cap,
 * clipped error lines, a stream that ends without its last event (cut), one that never sent an event at all.
 */
export abstract class ReplyStream {
  text = '';
  reasoning = '';
  finishReason: string | null = null;
  usage: ReplyUsage | null = null;
  /** The API said the reply is over (its last event, or an end reason): what follows is ignored. */
  finished = false;
  #sawData = false;
  #head = '';
  readonly #parser;

  constructor(
    readonly place: UpstreamPlace,
    readonly apiKey: string | null | undefined,
    readonly sink: ReplySink,
  ) {
    this.#parser = createParser({
      onEvent: (event) => {
        if (this.finished) return;
        this.#sawData = true;
        this.onData(event);
      },
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') throw invalidResponse(place, 'a line of several megabytes');
      },
      maxBufferSize: MAX_SSE_BUFFER,
    });
  }

  /** One SSE event of the API's stream. */
  protected abstract onData(event: EventSourceMessage): void;

  feed(chunk: string): void {
    if (this.#head.length < 200) this.#head += chunk.slice(0, 200 - this.#head.length);
    this.#parser.feed(chunk);
  }

  /** A last event not followed by its blank line still counts. */
  end(): void {
    this.#parser.reset({ consume: true });
  }

  /** Parses an event's JSON, or fails the stream naming the line. */
  protected json(data: string): unknown {
    try {
      return JSON.parse(data);
    } catch {
      throw this.fail('invalid_json', `${this.place.url.host} sent a stream line that is not valid JSON: "${clipLine(data)}".`);
    }
  }

  protected appendText(delta: string): void {
    if (!delta) return;
    const room = MESSAGE_MAX_CHARS - this.text.length;
    const piece = cutText(delta, room);
    this.text += piece;
    if (piece) this.sink.onText(piece);
    if (piece.length < delta.length) {
      // A reply as long as a message may be is finished, whatever the API still sends.
      this.finishReason = 'length';
      this.finished = true;
    }
  }

  protected appendReasoning(delta: string): void {
    if (!delta) return;
    const piece = cutText(delta, Math.max(0, MESSAGE_MAX_CHARS - this.reasoning.length));
    if (!piece) return;
    this.reasoning += piece;
    this.sink.onReasoning?.(piece);
  }

  protected setUsage(usage: ReplyUsage): void {
    this.usage = usage;
    this.sink.onUsage?.(usage);
  }

  /** An error that keeps the text produced so far. */
  fail(failure: ConstructorParameters<typeof UpstreamError>[0], message: string): UpstreamError {
    return new UpstreamError(failure, message, { partialText: this.text });
  }

  cut(): UpstreamError {
    return this.fail('stream_cut', `The connection to ${this.place.url.host} closed before the reply was finished.`);
  }

  /** How a stream that ended ended: its last event or an end reason is complete; silence after data is a cut. */
  outcome(contentType: string): StreamOutcome {
    if (!this.finished && !this.#sawData) {
      const head = this.#head.trim() ? `: "${clipLine(this.#head)}"` : ', empty';
      throw invalidResponse(this.place, `got ${contentType || 'no content type'}${head}`);
    }
    if (!this.finished && this.finishReason === null) throw this.cut();
    return { text: this.text, reasoning: this.reasoning, finishReason: this.finishReason, stopped: false, usage: this.usage };
  }
}

export const clipLine = (s: string) => (s.length > 120 ? `${s.slice(0, 120)}…` : s).replace(/\s+/g, ' ');

/** A non-negative integer count from an API's usage object, or undefined. */
export const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
