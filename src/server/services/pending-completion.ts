import type { ReplyUsage } from '../../shared/api/generation.js';
import { ReasoningSplitter } from '../generation/reasoning-splitter.js';
import type { CompletionRequest, StreamOptions, StreamOutcome } from '../generation/stream-completion.js';

/** streamCompletion for HTTP backends, LocalModels.stream for model files run in this process. */
export type CompletionSource = (request: CompletionRequest, options: StreamOptions) => Promise<StreamOutcome>;

/** A piece of a reply as it arrives. */
export type CompletionPiece = { kind: 'text'; text: string } | { kind: 'reasoning'; text: string } | { kind: 'usage'; usage: ReplyUsage };

export interface PendingCompletionOptions {
  /** Text the reply shows before the model's first token (a shown prefill). */
  replyPrefix?: string | undefined;
  /** Split a `<think>`-style block at the start of the text into reasoning (null: leave the text as it comes). */
  reasoningTags?: { prefix: string; suffix: string } | null | undefined;
}

/**
 * A completion that starts streaming from the backend at once, while the reply's place is still being written to
 * the database: the time to the first token is the backend's plus the prompt's, not plus a transaction. Pieces that
 * arrive before anyone reads wait in a buffer. Reasoning the API sends apart and reasoning written as a `<think>`
 * block come out alike, as reasoning pieces.
 */
export class PendingCompletion {
  /** Rejects with an UpstreamError when the backend fails; resolves with stopped: true after abort(). */
  readonly outcome: Promise<StreamOutcome>;
  readonly #controller = new AbortController();
  readonly #early: CompletionPiece[] = [];
  #onPiece: ((piece: CompletionPiece) => void) | null = null;

  constructor(source: CompletionSource, request: CompletionRequest, options: PendingCompletionOptions = {}) {
    const emit = (piece: CompletionPiece) => (this.#onPiece ? this.#onPiece(piece) : this.#early.push(piece));
    const text = (t: string) => emit({ kind: 'text', text: t });
    const reasoning = (t: string) => emit({ kind: 'reasoning', text: t });
    const tags = options.reasoningTags;
    const splitter = tags ? new ReasoningSplitter(tags.prefix, tags.suffix, { text, reasoning }) : null;
    if (options.replyPrefix) text(options.replyPrefix);
    this.outcome = source(request, {
      onText: splitter ? (t) => splitter.push(t) : text,
      onReasoning: reasoning,
      onUsage: (usage) => emit({ kind: 'usage', usage }),
      signal: this.#controller.signal,
    }).finally(() => splitter?.flush());
    // Abandoned when the generation is refused before it starts: its failure then concerns no one.
    this.outcome.catch(() => undefined);
  }

  /** Hands the pieces so far, then each new one, to `onPiece`. */
  pipe(onPiece: (piece: CompletionPiece) => void): void {
    for (const piece of this.#early.splice(0)) onPiece(piece);
    this.#onPiece = onPiece;
  }

  abort(): void {
    this.#controller.abort();
  }
}
