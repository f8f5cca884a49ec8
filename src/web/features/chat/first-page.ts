import type { MessagesPage } from '../../../shared/api/chats.js';
import type { ApiClient } from '../../api/api-client.js';
import type { OutboxEntry } from '../../sync/change.js';
import { ALL_TOPICS } from '../../sync/server-events.js';
import type { SyncEngine } from '../../sync/sync-engine.js';

/** Messages in the newest page, which opens a chat. */
export const FIRST_PAGE = 50;

/** A chat's newest page and the outbox entries to lay over it (every account's: the caller keeps its own). */
export interface FirstPage {
  entries: Promise<OutboxEntry[]>;
  page: Promise<MessagesPage>;
}

/**
 * Asks for a chat's newest page. The outbox read is issued first and both run at once: IndexedDB orders the read
 * before the removal of any op acknowledged later, and an op removed earlier is already in the page, so no message
 * can be in neither.
 */
export function readFirstPage(engine: SyncEngine, api: ApiClient, chatId: string, waitForSignIn = true): FirstPage {
  const entries = engine.readChatOutbox(chatId);
  const page = api.chats.messages(chatId, { limit: FIRST_PAGE, waitForSignIn });
  return { entries, page };
}

const CHAT_PATH = /^\/chats\/([^/]+)\/?$/;

export interface ArrivedPage {
  entries: OutboxEntry[];
  page: MessagesPage;
}

/**
 * The first page of the chat a link opens, asked for while the app starts: beside the session's first request
 * rather than after it, the first render and its effects. The chat waits the moment it takes and renders whole in
 * one pass. The page serves once, and only if nothing touched the chat (an acknowledgement, a change elsewhere, a
 * new outbox entry) before the chat's timeline listened; otherwise the timeline reads it afresh.
 */
export class ChatPreload {
  #chatId: string | null = null;
  #state: 'waiting' | 'arrived' | 'gone' = 'gone';
  #arrived: ArrivedPage | null = null;
  #stop: () => void = () => {};
  readonly #listeners = new Set<() => void>();

  constructor(engine: SyncEngine, api: ApiClient, pathname: string) {
    const match = CHAT_PATH.exec(pathname);
    if (!match) return;
    const chatId = decodeURIComponent(match[1]!);
    // No waiting for a sign-in: a chat that needs one reads its page afresh after it.
    const load = readFirstPage(engine, api, chatId, false);
    this.#chatId = chatId;
    this.#state = 'waiting';
    Promise.all([load.entries, load.page]).then(
      ([entries, page]) => {
        if (this.#state !== 'waiting') return;
        this.#state = 'arrived';
        this.#arrived = { entries, page };
        this.#notify();
      },
      () => this.#drop(),
    );
    this.#stop = engine.subscribe((event) => {
      const touched =
        event.type === 'outbox' ||
        (event.type === 'acked' && event.chatId === chatId) ||
        (event.type === 'changed' && event.topics.some((topic) => topic === `chat:${chatId}` || topic === ALL_TOPICS));
      if (touched) this.#drop();
    });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** This chat's first page is still on its way. */
  waiting(chatId: string): boolean {
    return this.#chatId === chatId && this.#state === 'waiting';
  }

  /** The page and entries if they have arrived (and nothing touched the chat since), without using them up. */
  arrived(chatId: string): ArrivedPage | null {
    return this.#chatId === chatId && this.#state === 'arrived' ? this.#arrived : null;
  }

  /** Called once the chat listens for changes: whether what arrived is still the server's state. Serves once. */
  confirm(chatId: string): boolean {
    const fresh = this.arrived(chatId) !== null;
    this.#drop();
    return fresh;
  }

  #drop(): void {
    if (this.#state === 'gone') return;
    this.#state = 'gone';
    this.#arrived = null;
    this.#stop();
    this.#notify();
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }
}
