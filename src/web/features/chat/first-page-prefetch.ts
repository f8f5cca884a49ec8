import { matchPath } from 'react-router';
import type { MessagesPage } from '../../../shared/api/chats.js';
import type { ApiClient } from '../../api/api-client.js';
import type { SessionKeeper } from '../../sync/session-keeper.js';
import type { SyncEngine } from '../../sync/sync-engine.js';

/**
 * The newest page of the chat an address opens (/chats/<id>), asked for as soon as the session is known, before
 * the app has rendered anything: rendering the chat screen takes tens of ms, the page arrives meanwhile, and the
 * timeline takes it instead of asking again. Whatever happens to the outbox or the chats before it is taken (an op
 * acknowledged, a change announced) makes it stale: it is dropped, and the timeline asks for its own.
 */
export class FirstPagePrefetch {
  readonly #api: ApiClient;
  readonly #engine: SyncEngine;
  #chatId: string | null = null;
  #page: Promise<MessagesPage | null> | null = null;
  #unsubscribe: (() => void) | null = null;

  constructor(api: ApiClient, engine: SyncEngine) {
    this.#api = api;
    this.#engine = engine;
  }

  /**
   * At start-up, before anything renders: a chat's address (not one opening at a message, ?at=) has its newest page
   * asked for the moment the session is known to be signed in, ahead of the screen's own rendering.
   */
  startForAddress(pathname: string, search: string, keeper: SessionKeeper, limit: number): void {
    const chatId = matchPath('/chats/:id', pathname)?.params.id;
    if (!chatId || new URLSearchParams(search).has('at')) return;
    const unsubscribe = keeper.subscribe(() => {
      const { phase } = keeper.getSnapshot();
      if (phase === 'starting') return;
      unsubscribe();
      if (phase === 'signed-in') this.start(chatId, limit);
    });
  }

  /** Asks for the newest `limit` messages of `chatId` now. */
  start(chatId: string, limit: number): void {
    this.#drop();
    this.#chatId = chatId;
    // A failure is the timeline's to meet with its own request (and to show, if that fails too).
    this.#page = this.#api.chats.messages(chatId, { limit }).catch(() => null);
    this.#unsubscribe = this.#engine.subscribe((event) => {
      if (event.type !== 'status' && event.type !== 'held') this.#drop();
    });
  }

  /** The page asked for `chatId`, once (it resolves to null if the request failed); null if there is none. */
  take(chatId: string): Promise<MessagesPage | null> | null {
    const page = this.#chatId === chatId ? this.#page : null;
    this.#drop();
    return page;
  }

  #drop(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#chatId = null;
    this.#page = null;
  }
}
