import type { CompletionRequest, StreamOptions, StreamOutcome } from '../generation/stream-completion.js';

/** streamCompletion for HTTP backends, LocalModels.stream for model files run in this process. */
export type CompletionSource = (request: CompletionRequest, options: StreamOptions) => Promise<StreamOutcome>;

/**
 * A completion that starts streaming from the backend at once, while the reply's place is still being written to
 * the database: the time to the first token is the backend's plus the prompt's, not plus a transaction. Pieces that
 * arrive before anyone reads wait in a buffer.
 */
export class PendingCompletion {
  /** Rejects with an UpstreamError when the backend fails; resolves with stopped: true after abort(). */
  readonly outcome: Promise<StreamOutcome>;
  readonly #controller = new AbortController();
  readonly #early: string[] = [];
  #onText: ((delta: string) => void) | null = null;

  constructor(source: CompletionSource, request: CompletionRequest) {
    this.outcome = source(request, {
      onText: (delta) => (this.#onText ? this.#onText(delta) : this.#early.push(delta)),
      signal: this.#controller.signal,
    });
    // Abandoned when the generation is refused before it starts: its failure then concerns no one.
    this.outcome.catch(() => undefined);
  }

  /** Hands the pieces so far, then each new one, to `onText`. */
  pipe(onText: (delta: string) => void): void {
    for (const delta of this.#early.splice(0)) onText(delta);
    this.#onText = onText;
  }

  abort(): void {
    this.#controller.abort();
  }
}
