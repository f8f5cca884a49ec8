import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import { optionOf, type GenerationEvent, type GenerationStopResponse } from '../../shared/api/generation.js';
import type { ChangeNotice } from '../../shared/api/events.js';
import type { Clock } from '../clock.js';
import type { ChangeFeed } from '../events/change-feed.js';
import { ApiError, notFound } from '../errors/api-error.js';
import type { BackendAllowlist } from '../security/backend-allowlist.js';
import type { GenerationRecord } from '../store/generations-repository.js';
import type { Store } from '../store/store.js';
import { upstreamTarget } from './connections.js';
import { finalGenerationEvent, type GenerationOutcome } from './final-generation-event.js';
import { planGeneration, type GenerationRequest } from './generation-plan.js';
import { beginGeneration, endStaleGenerations, generationIdentity, refuseIfGenerating, STALE_AFTER_MS } from './generation-writes.js';
import { PendingCompletion } from './pending-completion.js';
import { streamCompletion } from '../generation/stream-completion.js';
import type { LocalModels } from '../generation/local-models.js';
import { RunningGeneration, type GenerationListener } from './running-generation.js';
import type { WorldInfoBooks } from './world-info-books.js';
import type { RegexReplacer } from '../regex/time-limited-regex.js';
import { regexOnReply } from './regex-scripts.js';
import type { SettingsCache } from './settings-cache.js';

export interface GenerationManagerDeps {
  store: Store;
  clock: Clock;
  changes: ChangeFeed;
  log: FastifyBaseLogger;
  localModels: LocalModels;
  backendAllowlist: BackendAllowlist;
  worldInfo: WorldInfoBooks;
  /** Runs regex scripts (and world info's regex keys) with a time limit. */
  regex: RegexReplacer;
  /** The users' parsed settings, kept between generations. */
  settings: SettingsCache;
  /** SQLite: this process is the only one on the database, so every generation still marked running at start
   *  was left by a crash. PostgreSQL: other nodes may be running theirs, so only stale heartbeats count. */
  singleNode: boolean;
}

const SWEEP_INTERVAL_MS = 10_000;
const SWEEP_BATCH = 100;
/** How long a shutdown waits for running generations to store their text. */
const SHUTDOWN_WAIT_MS = 10_000;
/** A stream following a generation that runs on another node reads the database this often, this long at most. */
const FOLLOW_POLL_MS = 250;
const FOLLOW_MAX_POLLS = (6 * 3_600_000) / FOLLOW_POLL_MS;
/** How long a stop asked of another node waits for that node to end the generation. */
const REMOTE_STOP_WAIT_MS = 5_000;

/**
 * The generations of this node: starts them (one per chat, checked in the database so every node agrees), lets
 * streams attach to them, stops them, ends the ones of nodes that died, and stops all at shutdown with their text
 * saved. A generation that runs on another node is followed through the database, which is the truth.
 */
export class GenerationManager {
  readonly #deps: GenerationManagerDeps;
  readonly #running = new Map<string, RunningGeneration>();
  readonly #followers = new AbortController();
  readonly #sweeper: NodeJS.Timeout;
  #closing = false;

  constructor(deps: GenerationManagerDeps) {
    this.#deps = deps;
    this.#sweeper = setInterval(() => void this.#sweep(false), SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  /** Ends what a crash left running (all of it on SQLite; stale heartbeats on PostgreSQL). */
  recover(): Promise<void> {
    return this.#sweep(this.#deps.singleNode);
  }

  /**
   * Starts a generation and returns it running, its place in the chat committed. The usual refusals (404, no
   * connection, 409) come before anything reaches the backend; the backend request then starts beside the
   * transaction that places the reply, so the first token does not wait for the commit as well.
   */
  async start(request: GenerationRequest, origin: string | undefined): Promise<RunningGeneration> {
    if (this.#closing) throw new ApiError('conflict', 'The server is shutting down; generate again in a moment.');
    const { store, clock } = this.#deps;
    const plan = await planGeneration(store, this.#deps, request, clock.now());
    await refuseIfGenerating(store, plan.chat.id, clock.now());
    const identity = generationIdentity(plan, { id: randomUUID(), userId: request.userId, mode: request.mode, startedBy: request.startedBy });
    const local = this.#deps.localModels;
    const source = plan.connection.api === 'local' ? local.stream.bind(local) : streamCompletion;
    const { settings } = plan.connection;
    const completion = new PendingCompletion(
      source,
      { target: upstreamTarget(plan.connection), prompt: plan.assembled.prompt, settings, stop: plan.assembled.stop },
      {
        replyPrefix: plan.assembled.replyPrefix,
        // A continued reply goes on mid-text: a `<think>` there is not the start of the reply.
        reasoningTags:
          optionOf(settings, 'parse_reasoning') && request.mode !== 'continue'
            ? { prefix: optionOf(settings, 'reasoning_prefix'), suffix: optionOf(settings, 'reasoning_suffix') }
            : null,
      },
    );
    // SQLite commits synchronously: one turn of the event loop lets the backend request go out first.
    const begun = new Promise<void>((resolve) => setImmediate(resolve)).then(() => beginGeneration(store, plan, identity, clock.now()));
    if (plan.slowRegexScripts.length > 0) this.#deps.log.warn({ chatId: plan.chat.id, scripts: plan.slowRegexScripts }, 'regex scripts skipped: their pattern ran out of time');
    // The reply is stored as the chat's regex scripts make it (AI output; user input for an impersonation).
    const finalize = plan.regex
      ? async (reply: { text: string; reasoning: string }) => {
          const done = await regexOnReply(plan.regex, { ...reply, impersonation: identity.slot === 'composer' });
          if (done.slow.length > 0) this.#deps.log.warn({ chatId: plan.chat.id, scripts: done.slow }, 'regex scripts skipped: their pattern ran out of time');
          return done;
        }
      : undefined;
    const generation = new RunningGeneration(this.#deps, identity, begun, completion, finalize);
    this.#running.set(identity.id, generation);
    void generation.finished.then((outcome) => {
      this.#running.delete(identity.id);
      if (generation.started) this.#announce(identity, 'finished', outcome.revision, origin);
    });
    // A refusal here (the same chat raced, or its last reply changed) is the request's error: the generation,
    // stopped meanwhile, stored nothing. Once begun, `start` means the generation exists for every node.
    const started = await begun;
    this.#announce(identity, 'started', started.chatRevision, origin);
    return generation;
  }

  /** A generation of this user running on this node. */
  local(userId: string, id: string): RunningGeneration | undefined {
    const generation = this.#running.get(id);
    return generation?.identity.userId === userId ? generation : undefined;
  }

  /**
   * Streams a generation this node does not run (another node's, or one that has ended) from the database:
   * start, the text stored so far, new text as it is stored, then the final event. Ends early when `signal` aborts.
   */
  async follow(record: GenerationRecord, listener: GenerationListener, signal: AbortSignal): Promise<void> {
    const stop = AbortSignal.any([signal, this.#followers.signal]);
    listener({ event: 'start', data: { generationId: record.id, messageId: record.messageId ?? '' } });
    let sent = '';
    let sentReasoning = '';
    let current: GenerationRecord | undefined = record;
    for (let polls = 0; current && !stop.aborted && polls < FOLLOW_MAX_POLLS; polls++) {
      if (current.reasoning.length > sentReasoning.length && current.reasoning.startsWith(sentReasoning)) {
        listener({ event: 'reasoning', data: { text: current.reasoning.slice(sentReasoning.length) } });
        sentReasoning = current.reasoning;
      }
      if (current.text.length > sent.length && current.text.startsWith(sent)) {
        listener({ event: 'token', data: { text: current.text.slice(sent.length) } });
        sent = current.text;
      }
      if (current.state !== 'running') {
        listener(await this.#storedFinal(current));
        return;
      }
      await sleep(FOLLOW_POLL_MS, undefined, { signal: stop }).catch(() => undefined);
      current = stop.aborted ? current : await this.#deps.store.generations.get(current.userId, current.id);
    }
    if (!current) listener({ event: 'error', data: { error: 'not_found', message: 'The generation is gone (its chat was deleted).' } });
  }

  /**
   * Stops a generation and returns how it ended. One on another node is asked through the database (that node
   * reads the request as it saves progress) and waited for a moment.
   */
  async stop(userId: string, id: string): Promise<GenerationStopResponse> {
    const local = this.local(userId, id);
    if (local) {
      local.stop('user');
      const outcome = await local.finished;
      return { generationId: id, state: outcome.state, event: finalGenerationEvent(outcome) };
    }
    const { store } = this.#deps;
    let record = await store.generations.get(userId, id);
    if (!record) throw notFound('Generation');
    if (record.state === 'running') await store.generations.requestStop(id);
    for (let polls = 0; record.state === 'running' && polls < REMOTE_STOP_WAIT_MS / FOLLOW_POLL_MS; polls++) {
      await sleep(FOLLOW_POLL_MS);
      record = (await store.generations.get(userId, id)) ?? record;
    }
    return { generationId: id, state: record.state, event: record.state === 'running' ? null : await this.#storedFinal(record) };
  }

  /** Stops every running generation with its text saved (marked as cut), waiting a bounded time. */
  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#sweeper);
    this.#followers.abort();
    const running = [...this.#running.values()];
    for (const generation of running) generation.stop('shutdown');
    const waited = Promise.all(running.map((g) => g.finished));
    await Promise.race([waited, sleep(SHUTDOWN_WAIT_MS, undefined, { ref: false })]);
  }

  async #storedFinal(record: GenerationRecord): Promise<Extract<GenerationEvent, { event: 'done' | 'error' }>> {
    const { store } = this.#deps;
    // The message's revision is the one its end wrote; without one (undone, impersonation), the chat's.
    const message = record.messageId ? await store.chats.message(record.chatId, record.messageId) : undefined;
    const revision = message?.revision ?? (await store.chats.get(record.userId, record.chatId))?.revision ?? 0;
    const outcome: GenerationOutcome = {
      state: record.state === 'running' ? 'cut' : record.state,
      messageId: record.messageId,
      kept: record.state === 'cut' && message !== undefined,
      revision,
      error: record.error,
    };
    return finalGenerationEvent(outcome);
  }

  async #sweep(everything: boolean): Promise<void> {
    const { store, clock, log } = this.#deps;
    const now = clock.now();
    try {
      const ended = await endStaleGenerations(store, everything ? Number.MAX_SAFE_INTEGER : now - STALE_AFTER_MS, now, SWEEP_BATCH);
      for (const g of ended) this.#announce(g, 'finished', g.revision);
      if (ended.length > 0) log.warn({ generations: ended.map((g) => g.id) }, 'ended generations left running by a stopped server');
    } catch (error) {
      log.error({ err: error }, 'ending stale generations failed');
    }
  }

  /** Tells the user's tabs: the chat changed, and a generation started or finished (none for an impersonation,
   *  which changes nothing in the chat). */
  #announce(record: Pick<GenerationRecord, 'id' | 'userId' | 'chatId' | 'messageId'>, state: 'started' | 'finished', revision: number, origin?: string): void {
    const { messageId } = record;
    if (!messageId) return;
    const from = origin ? { origin } : {};
    const notices: ChangeNotice[] = [
      { type: 'chat', chatId: record.chatId, revision, ...from },
      { type: 'generation', chatId: record.chatId, generationId: record.id, messageId, state, ...from },
    ];
    for (const notice of notices) this.#deps.changes.publish(record.userId, notice);
  }
}
