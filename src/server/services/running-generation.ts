import type { FastifyBaseLogger } from 'fastify';
import type { GenerationEvent } from '../../shared/api/generation.js';
import type { Clock } from '../clock.js';
import { UpstreamError } from '../generation/upstream-error.js';
import type { Store } from '../store/store.js';
import { finalGenerationEvent, type GenerationOutcome } from './final-generation-event.js';
import { ApiError } from '../http/api-error.js';
import {
  finishGeneration,
  HEARTBEAT_MS,
  saveProgress,
  type GenerationEnd,
  type GenerationIdentity,
  type StartedGeneration,
} from './generation-writes.js';
import type { PendingCompletion } from './pending-completion.js';

/** How often the text so far is saved while it streams (the issue asks for at least every 500 ms). */
const SAVE_INTERVAL_MS = 250;

export type GenerationListener = (event: GenerationEvent) => void;
/** user: the stop button (here or on another node); shutdown: the server is stopping; superseded: the reply was
 *  changed or deleted under the generation. */
export type StopReason = 'user' | 'shutdown' | 'superseded';

export interface RunningGenerationDeps {
  store: Store;
  clock: Clock;
  log: FastifyBaseLogger;
}

const SHUTDOWN: GenerationEnd['error'] = {
  code: 'internal_error',
  message: 'The server is shutting down; the text written so far is kept, marked as cut.',
  failure: null,
};

/**
 * One generation running on this node. It belongs to no HTTP request: it streams from the backend into the
 * database (every 250 ms) whether or not anyone listens, and ends by writing the final text and status. Listeners
 * (the POST that started it, re-attached streams) get what was produced so far, then each piece live. The backend
 * streams from the first moment, while the transaction that gives the reply its place (`begun`) commits; its text
 * waits for that, and if it is refused the backend request is closed and nothing is stored.
 */
export class RunningGeneration {
  readonly identity: GenerationIdentity;
  /** Resolves with the outcome once the end is stored; never rejects. */
  readonly finished: Promise<GenerationOutcome>;
  readonly #deps: RunningGenerationDeps;
  readonly #completion: PendingCompletion;
  readonly #listeners = new Set<GenerationListener>();
  #started: StartedGeneration | null = null;
  #stopReason: StopReason | null = null;
  #text = '';
  #savedText = '';
  #lastSave: number;
  #saving: Promise<void> | null = null;
  #outcome: GenerationOutcome | null = null;

  constructor(deps: RunningGenerationDeps, identity: GenerationIdentity, begun: Promise<StartedGeneration>, completion: PendingCompletion) {
    this.#deps = deps;
    this.identity = identity;
    this.#completion = completion;
    this.#lastSave = deps.clock.now();
    completion.pipe((delta) => this.#onText(delta));
    this.finished = this.#run(begun);
  }

  get id(): string {
    return this.identity.id;
  }

  /** Set once the reply's place is committed. */
  get started(): StartedGeneration | null {
    return this.#started;
  }

  get startEvent(): Extract<GenerationEvent, { event: 'start' }> {
    return { event: 'start', data: { generationId: this.id, messageId: this.identity.messageId ?? '' } };
  }

  /** Sends start and the text so far to `listener` at once, then every piece live, then the final event. */
  subscribe(listener: GenerationListener): () => void {
    listener(this.startEvent);
    if (this.#text) listener({ event: 'token', data: { text: this.#text } });
    if (this.#outcome) {
      listener(finalGenerationEvent(this.#outcome));
      return () => undefined;
    }
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops the backend's stream; the text so far is kept (the first reason wins). */
  stop(reason: StopReason): void {
    if (this.#outcome || this.#stopReason) return;
    this.#stopReason = reason;
    this.#completion.abort();
  }

  async #run(begun: Promise<StartedGeneration>): Promise<GenerationOutcome> {
    try {
      this.#started = await begun;
    } catch (error) {
      this.#completion.abort();
      const refusal = error instanceof ApiError ? error : new ApiError('internal_error', 'The generation could not be started.');
      if (!(error instanceof ApiError)) this.#deps.log.error({ err: error, generationId: this.id }, 'starting a generation failed');
      return this.#end({ state: 'failed', messageId: null, kept: false, revision: 0, error: { code: refusal.code, message: refusal.message, failure: null } });
    }
    const started = this.#started;
    const timer = setInterval(() => this.#tick(started), SAVE_INTERVAL_MS);
    let end: GenerationEnd;
    try {
      await this.#completion.outcome;
      end = this.#endOf(null);
    } catch (error) {
      end = this.#endOf(error);
    } finally {
      clearInterval(timer);
      await this.#saving;
    }
    try {
      const ended = await finishGeneration(this.#deps.store, started, end, this.#deps.clock.now());
      return this.#end({ ...ended, messageId: this.identity.messageId });
    } catch (error) {
      // The database failed at the end: the text saved by the last progress write is what remains.
      this.#deps.log.error({ err: error, generationId: this.id }, 'storing the end of a generation failed');
      return this.#end({
        state: 'cut',
        messageId: this.identity.messageId,
        kept: Boolean(started.message && this.#savedText),
        revision: started.chatRevision,
        error: { code: 'internal_error', message: 'The reply could not be saved at its end; what was saved before is kept.', failure: null },
      });
    }
  }

  #end(outcome: GenerationOutcome): GenerationOutcome {
    this.#outcome = outcome;
    const final = finalGenerationEvent(outcome);
    for (const listener of this.#listeners) listener(final);
    this.#listeners.clear();
    return outcome;
  }

  /** What the stream's end means, from how it ended and why it was stopped. */
  #endOf(error: unknown): GenerationEnd {
    // A reply ends where the text ends; a continued one is extended exactly as the model wrote it.
    const text = this.identity.slot === 'continue' ? this.#text : this.#text.trimEnd();
    if (this.#stopReason === 'shutdown') return { state: 'cut', text, error: SHUTDOWN };
    if (this.#stopReason) return { state: 'stopped', text, error: null };
    if (error === null) return { state: 'complete', text, error: null };
    if (error instanceof UpstreamError) {
      return { state: 'cut', text, error: { code: 'upstream_error', message: error.message, failure: error.failure } };
    }
    this.#deps.log.error({ err: error, generationId: this.id }, 'a generation failed');
    return { state: 'cut', text, error: { code: 'internal_error', message: 'The generation failed inside the server.', failure: null } };
  }

  #onText(delta: string): void {
    // A reply starts at its first visible character; a continued one goes on exactly where it stood.
    const piece = this.#text === '' && this.identity.slot !== 'continue' ? delta.trimStart() : delta;
    if (!piece) return;
    this.#text += piece;
    const event: GenerationEvent = { event: 'token', data: { text: piece } };
    for (const listener of this.#listeners) listener(event);
  }

  /** Saves new text, or only the heartbeat when none came; one save at a time. */
  #tick(started: StartedGeneration): void {
    const now = this.#deps.clock.now();
    if (this.#saving || (this.#text === this.#savedText && now - this.#lastSave < HEARTBEAT_MS)) return;
    const text = this.#text;
    this.#saving = saveProgress(this.#deps.store, started, text, now)
      .then((result) => {
        this.#savedText = text;
        this.#lastSave = now;
        if (result === 'superseded') this.stop('superseded');
        else if (result.stopRequested) this.stop('user');
      })
      .catch((error: unknown) => this.#deps.log.error({ err: error, generationId: this.id }, 'saving a generation in progress failed'))
      .finally(() => {
        this.#saving = null;
      });
  }
}
