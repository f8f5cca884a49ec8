import type { ChatOp } from '../../shared/api/chats.js';
import type { ApiClient } from '../api/api-client.js';
import { NetworkError, SignInRequiredError } from '../api/request-error.js';
import { backoffDelay } from './backoff-delay.js';
import { chatIdOf, topicsOf, type Change, type HeldChange, type OutboxEntry } from './change.js';
import { MAX_OPS_PER_BATCH, nextBatch } from './next-batch.js';
import type { OutboxStore } from './outbox-store.js';
import { deriveSaveState, type SaveStatus } from './save-status.js';
import { BatchRefusedError, sendBatch } from './send-batch.js';
import type { SessionKeeper } from './session-keeper.js';
import type { TabChannel } from './tab-channel.js';
import { withTabLock } from './with-tab-lock.js';

export type SyncEvent =
  | { type: 'status' }
  | { type: 'outbox' }
  | { type: 'held' }
  /** Something changed on the server (here, in another tab, or on another device). */
  | { type: 'changed'; topics: string[] }
  /** This tab's chat ops the server just acknowledged: a view can show them as saved without a flicker. */
  | { type: 'acked'; chatId: string; ops: ChatOp[] };

type Listener = (event: SyncEvent) => void;

const LOCK_NAME = 'parley-outbox';
/** Entries read per batch: a full batch of ops plus room to see where the run of one chat ends. */
const PEEK_LIMIT = MAX_OPS_PER_BATCH + 1;
/** Batches sent per hold of the lock, so another tab (or a stop) gets a turn during a huge backlog. */
const ROUNDS_PER_LOCK = 200;
/** A bound on what a view reads to overlay pending changes; far beyond any real backlog of card or chat edits. */
const PENDING_READ_LIMIT = 10_000;

export interface SyncEngineDeps {
  store: OutboxStore;
  api: ApiClient;
  keeper: SessionKeeper;
  channel: TabChannel;
}

/**
 * The save path. A change is written to the IndexedDB outbox before any view shows it, then sent in batches by
 * whichever tab holds the lock, retried with backoff for as long as the page is open, and removed only when the
 * server acknowledges it (`applied` or `duplicate`). Refused changes are held with the user's text, never dropped.
 */
export class SyncEngine {
  readonly #store: OutboxStore;
  readonly #api: ApiClient;
  readonly #keeper: SessionKeeper;
  readonly #channel: TabChannel;
  readonly #listeners = new Set<Listener>();
  readonly #cleanup: Array<() => void> = [];
  /** Until the first count of the outbox, nothing is known to be saved. */
  #status: SaveStatus = { state: 'saving', pending: 0 };
  #offline = false;
  #kicked = false;
  #wake: (() => void) | null = null;
  #running = false;
  /** Recounts overlap; only the newest may set the status, or a stale count could win. */
  #statusCall = 0;

  constructor(deps: SyncEngineDeps) {
    this.#store = deps.store;
    this.#api = deps.api;
    this.#keeper = deps.keeper;
    this.#channel = deps.channel;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#cleanup.push(
      this.#channel.subscribe((message) => {
        if (message.type === 'outbox') {
          this.#emit({ type: 'outbox' });
          this.#emit({ type: 'held' });
          this.#touch();
        } else if (message.type === 'changed') {
          this.#emit({ type: 'changed', topics: message.topics });
        }
      }),
      this.#keeper.subscribe(() => this.#touch()),
      listen(window, 'online', () => this.#touch()),
      listen(window, 'offline', () => this.#setOffline(true)),
      listen(document, 'visibilitychange', () => this.#touch()),
    );
    // Ask the browser not to evict the outbox under storage pressure; it may say no, and that is fine.
    void navigator.storage?.persist?.().catch(() => false);
    // The loop reads the outbox at once: it starts when the outbox is open. One that cannot open ends the app
    // (main.tsx says so), with no loop left failing behind it.
    void this.#store.opened.then(
      () => this.#run(),
      () => undefined,
    );
  }

  stop(): void {
    this.#running = false;
    for (const undo of this.#cleanup.splice(0)) undo();
    this.#kick();
  }

  /** Resolves once the changes are durable in the outbox; only then may a view show them. */
  async enqueue(changes: Change | Change[]): Promise<void> {
    const owner = this.#keeper.getSnapshot().owner;
    if (!owner) throw new Error('No session yet: changes cannot be attributed to an account');
    const list = Array.isArray(changes) ? changes : [changes];
    const queuedAt = Date.now();
    // "Saved" must not stand while a change is on its way into the outbox: it counts at once, and a recount begun
    // before it cannot say "Saved" over it; the recount after the write says the rest.
    this.#statusCall += 1;
    this.#show(this.#status.pending + list.length);
    try {
      await this.#store.add(list.map((change) => ({ owner, chatId: chatIdOf(change), queuedAt, change })));
    } finally {
      this.#touch();
    }
    this.#emit({ type: 'outbox' });
    this.#channel.post({ type: 'outbox' });
  }

  /** The current account's changes to one chat that the server has not acknowledged yet, oldest first. */
  pendingForChat(chatId: string): Promise<OutboxEntry[]> {
    return this.#read((owner) => this.#store.forChat(owner, chatId), []);
  }

  /** Every change of the current account still waiting, oldest first (the outbox is small: a few screens' worth). */
  pendingChanges(): Promise<OutboxEntry[]> {
    return this.#read((owner) => this.#store.peek(owner, PENDING_READ_LIMIT), []);
  }

  held(): Promise<HeldChange[]> {
    return this.#read((owner) => this.#store.held(owner), []);
  }

  /**
   * A screen's read of the outbox: nothing before there is an account, or when the outbox could not open (the
   * app then ends with a message, main.tsx; the reads the first screen began must not fail behind it).
   */
  async #read<T>(read: (owner: string) => Promise<T>, none: T): Promise<T> {
    const owner = this.#keeper.getSnapshot().owner;
    if (!owner) return none;
    const open = await this.#store.opened.then(
      () => true,
      () => false,
    );
    return open ? read(owner) : none;
  }

  async dismissHeld(id: string): Promise<void> {
    await this.#store.dismissHeld(id);
    this.#emit({ type: 'held' });
    this.#channel.post({ type: 'outbox' });
  }

  /**
   * Resolves when no waiting change matches (a reply must see the message it answers; a connection test needs
   * the connection on the server).
   */
  async whenSaved(matches: (change: Change) => boolean, signal?: AbortSignal): Promise<void> {
    // Each turn waits for the outbox to change; it ends when nothing matches or the caller gives up.
    while (!signal?.aborted) {
      const changed = this.#next('outbox', signal);
      if (!(await this.pendingChanges()).some((entry) => matches(entry.change))) return;
      await changed;
    }
    throw signal?.reason;
  }

  /** Fans server-side changes (the events stream) out to the views. */
  publish(topics: string[]): void {
    this.#emit({ type: 'changed', topics });
  }

  getStatus = (): SaveStatus => this.#status;

  subscribe = (listener: Listener): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  async #run(): Promise<void> {
    let attempt = 0;
    // Lives as long as the page: retrying without limit is the point. Every turn either sends or sleeps.
    while (this.#running) {
      const { owner, phase } = this.#keeper.getSnapshot();
      const pending = await this.#refreshStatus();
      if (!owner || pending === 0 || phase !== 'signed-in') {
        await this.#sleep(null);
        continue;
      }
      try {
        await withTabLock(LOCK_NAME, () => this.#flush(owner));
        attempt = 0;
        this.#setOffline(false);
      } catch (error) {
        if (error instanceof SignInRequiredError) continue;
        attempt += 1;
        if (error instanceof NetworkError) this.#setOffline(true);
        else console.warn('Parley: saving will be retried', error);
        await this.#sleep(backoffDelay(attempt));
      }
    }
  }

  async #flush(owner: string): Promise<void> {
    let isolate = false;
    for (let round = 0; round < ROUNDS_PER_LOCK && this.#running; round++) {
      const entries = await this.#store.peek(owner, PEEK_LIMIT);
      const batch = nextBatch(entries, isolate ? 1 : MAX_OPS_PER_BATCH);
      if (!batch) return;
      let settlement;
      try {
        settlement = await sendBatch(this.#api, batch);
      } catch (error) {
        if (!(error instanceof BatchRefusedError)) throw error;
        isolate = true;
        continue;
      }
      await this.#store.settle(settlement);
      this.#setOffline(false);
      if (batch.kind === 'chat-ops') {
        const acked = new Set(settlement.acked);
        const ops = batch.entries.flatMap((entry) =>
          acked.has(entry.seq!) && entry.change.kind === 'chat-op' ? [entry.change.op] : [],
        );
        this.#emit({ type: 'acked', chatId: batch.chatId, ops });
      }
      const topics = [...new Set(batch.entries.flatMap((entry) => topicsOf(entry.change)))];
      this.#emit({ type: 'outbox' });
      if (settlement.held.length > 0) this.#emit({ type: 'held' });
      this.#emit({ type: 'changed', topics });
      this.#channel.post({ type: 'outbox' });
      this.#channel.post({ type: 'changed', topics });
      await this.#refreshStatus();
    }
  }

  async #refreshStatus(): Promise<number> {
    const call = ++this.#statusCall;
    // Before the first session answer the outbox's owner is unknown, so neither is what it holds.
    if (this.#keeper.getSnapshot().phase === 'starting') return 0;
    const pending = await this.#read((owner) => this.#store.count(owner), 0);
    if (call !== this.#statusCall) return pending;
    this.#show(pending);
    return pending;
  }

  /** Sets the status for `pending` changes waiting, as the session and the network stand now. */
  #show(pending: number): void {
    const { phase } = this.#keeper.getSnapshot();
    const offline = this.#offline || (typeof navigator !== 'undefined' && navigator.onLine === false);
    const state = deriveSaveState(pending, offline, phase === 'sign-in-needed' || phase === 'signed-out');
    if (state !== this.#status.state || pending !== this.#status.pending) {
      this.#status = { state, pending };
      this.#emit({ type: 'status' });
    }
  }

  #setOffline(offline: boolean): void {
    if (this.#offline === offline) return;
    this.#offline = offline;
    void this.#refreshStatus();
  }

  /** Something may have changed: recount, and wake the sender. */
  #touch(): void {
    void this.#refreshStatus();
    this.#kick();
  }

  #kick(): void {
    this.#kicked = true;
    this.#wake?.();
  }

  /** Sleeps for `ms` (null: until kicked); a kick that came while busy ends the next sleep at once. */
  #sleep(ms: number | null): Promise<void> {
    if (this.#kicked) {
      this.#kicked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wake = null;
        this.#kicked = false;
        resolve();
      };
      const timer = ms === null ? undefined : setTimeout(done, ms);
      this.#wake = done;
    });
  }

  /** The next event of a type (or the caller's abort). */
  #next(type: SyncEvent['type'], signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        unsubscribe();
        signal?.removeEventListener('abort', finish);
        resolve();
      };
      const unsubscribe = this.subscribe((event) => {
        if (event.type === type) finish();
      });
      signal?.addEventListener('abort', finish);
    });
  }

  #emit(event: SyncEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}

function listen(target: EventTarget, type: string, handler: () => void): () => void {
  target.addEventListener(type, handler);
  return () => target.removeEventListener(type, handler);
}
