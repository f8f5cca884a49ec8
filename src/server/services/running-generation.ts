import type { FastifyBaseLogger } from 'fastify';
import type { GenerationEvent, ReplyUsage } from '../../shared/api/generation.js';
import type { Clock } from '../clock.js';
import { UpstreamError } from '../generation/upstream-error.js';
import type { Store } from '../store/store.js';
import { finalGenerationEvent, type GenerationOutcome } from './final-generation-event.js';
import { ApiError } from '../errors/api-error.js';
import {
  finishGeneration,
  HEARTBEAT_MS,
  saveProgress,
  type GenerationEnd,
  type GenerationIdentity,
  type StartedGeneration,
} from './generation-writes.js';
import type { CompletionPiece, PendingCompletion } from './pending-completion.js';

/**
 * How often new text is saved while it streams. Clients see text only once it is saved (relay after commit), so
 * this is also the pace of the stream they see: a relaxed commit per interval costs little, and a kill -9 never
 * loses a word anyone was shown.
 */
const SAVE_INTERVAL_MS = 40;

export type GenerationListener = (event: GenerationEvent) => void;
/** Makes the finished reply what is stored (the chat's regex scripts); what streamed stays what listeners saw. */
export type ReplyFinalizer = (reply: { text: string; reasoning: string }) => Promise<{ text: string; reasoning: string }>;
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
 * database (every 40 ms) whether or not anyone listens, and ends by writing the final text and status. Listeners
 * (the POST that started it, re-attached streams) get text only once it is committed: what was saved so far, then
 * each saved batch, so after any crash the stored reply holds at least what any client was shown. The backend
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
  #reasoning = '';
  #usage: ReplyUsage | null = null;
  #savedText = '';
  #savedReasoning = '';
  /** What listeners have been sent: always a prefix of what is committed. */
  #relayedText = '';
  #relayedReasoning = '';
  #lastSave: number;
  #saving: Promise<void> | null = null;
  #outcome: GenerationOutcome | null = null;
  readonly #finalize: ReplyFinalizer | undefined;

  constructor(
    deps: RunningGenerationDeps,
    identity: GenerationIdentity,
    begun: Promise<StartedGeneration>,
    completion: PendingCompletion,
    finalize?: ReplyFinalizer,
  ) {
    this.#deps = deps;
    this.#finalize = finalize;
    this.identity = identity;
    this.#completion = completion;
    this.#lastSave = deps.clock.now();
    completion.pipe((piece) => this.#onPiece(piece));
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
    const group = this.identity.group;
    const turn = group ? { speakerId: group.speakerId, queue: group.queue } : {};
    return { event: 'start', data: { generationId: this.id, messageId: this.identity.messageId ?? '', ...turn } };
  }

  /** Sends start and the reasoning and text so far to `listener` at once, then every piece live, then the final event. */
  subscribe(listener: GenerationListener): () => void {
    listener(this.startEvent);
    if (this.#relayedReasoning) listener({ event: 'reasoning', data: { text: this.#relayedReasoning } });
    if (this.#relayedText) listener({ event: 'token', data: { text: this.#relayedText } });
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
    // Text that came while the reply's place was committing goes out now, not at the first interval.
    this.#tick(started);
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
      const stored = await this.#finalized(end);
      const ended = await finishGeneration(this.#deps.store, started, stored, this.#deps.clock.now());
      if (ended.state !== 'failed') this.#relay(end.text, end.reasoning);
      return this.#end({ ...ended, messageId: this.identity.messageId });
    } catch (error) {
      // The database failed at the end: the text saved by the last progress write is what remains.
      this.#deps.log.error({ err: error, generationId: this.id }, 'storing the end of a generation failed');
      return this.#end({
        state: 'cut',
        messageId: this.identity.messageId,
        kept: Boolean(started.message && (this.#savedText || this.#savedReasoning)),
        revision: started.chatRevision,
        error: { code: 'internal_error', message: 'The reply could not be saved at its end; what was saved before is kept.', failure: null },
      });
    }
  }

  /** The end as stored: a continuation's new text alone goes through the finalizer (the rest was stored before). */
  async #finalized(end: GenerationEnd): Promise<GenerationEnd> {
    if (!this.#finalize || (end.text === '' && end.reasoning === '')) return end;
    try {
      return { ...end, ...(await this.#finalize({ text: end.text, reasoning: end.reasoning })) };
    } catch (error) {
      this.#deps.log.error({ err: error, generationId: this.id }, 'regex scripts on a reply failed; it is stored as written');
      return end;
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
    const produced = { text, reasoning: this.#reasoning.trim(), usage: this.#usage };
    if (this.#stopReason === 'shutdown') return { state: 'cut', ...produced, error: SHUTDOWN };
    if (this.#stopReason) return { state: 'stopped', ...produced, error: null };
    if (error === null) return { state: 'complete', ...produced, error: null };
    if (error instanceof UpstreamError) {
      return { state: 'cut', ...produced, error: { code: 'upstream_error', message: error.message, failure: error.failure } };
    }
    this.#deps.log.error({ err: error, generationId: this.id }, 'a generation failed');
    return { state: 'cut', ...produced, error: { code: 'internal_error', message: 'The generation failed inside the server.', failure: null } };
  }

  #onPiece(piece: CompletionPiece): void {
    if (piece.kind === 'text') return this.#onText(piece.text);
    if (piece.kind === 'usage') {
      this.#usage = piece.usage;
      return;
    }
    this.#reasoning += piece.text;
    this.#saveFirstPiece();
  }

  #onText(delta: string): void {
    // A reply starts at its first visible character; a continued one goes on exactly where it stood.
    const piece = this.#text === '' && this.identity.slot !== 'continue' ? delta.trimStart() : delta;
    if (!piece) return;
    this.#text += piece;
    this.#saveFirstPiece();
  }

  /** The first text is saved (and so shown) at once; what follows waits for the interval and comes batched. */
  #saveFirstPiece(): void {
    if (this.#started && this.#savedText === '' && this.#savedReasoning === '') this.#tick(this.#started);
  }

  /** Sends listeners what was committed beyond what they have (`text`, `reasoning`: the committed values). */
  #relay(text: string, reasoning: string): void {
    const events: GenerationEvent[] = [];
    if (reasoning.length > this.#relayedReasoning.length && reasoning.startsWith(this.#relayedReasoning)) {
      events.push({ event: 'reasoning', data: { text: reasoning.slice(this.#relayedReasoning.length) } });
      this.#relayedReasoning = reasoning;
    }
    if (text.length > this.#relayedText.length && text.startsWith(this.#relayedText)) {
      events.push({ event: 'token', data: { text: text.slice(this.#relayedText.length) } });
      this.#relayedText = text;
    }
    for (const event of events) for (const listener of this.#listeners) listener(event);
  }

  /** Saves new text, or only the heartbeat when none came; one save at a time. */
  #tick(started: StartedGeneration): void {
    const now = this.#deps.clock.now();
    const unchanged = this.#text === this.#savedText && this.#reasoning === this.#savedReasoning;
    if (this.#saving || (unchanged && now - this.#lastSave < HEARTBEAT_MS)) return;
    const text = this.#text;
    const reasoning = this.#reasoning;
    this.#saving = saveProgress(this.#deps.store, started, { text, reasoning }, now)
      .then((result) => {
        this.#lastSave = now;
        if (result === 'superseded') return this.stop('superseded');
        this.#savedText = text;
        this.#savedReasoning = reasoning;
        this.#relay(text, reasoning);
        if (result.stopRequested) this.stop('user');
      })
      .catch((error: unknown) => this.#deps.log.error({ err: error, generationId: this.id }, 'saving a generation in progress failed'))
      .finally(() => {
        this.#saving = null;
      });
  }
}
