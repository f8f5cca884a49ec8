import { ChangeEvent } from '../../shared/api/events.js';
import type { SessionKeeper } from './session-keeper.js';
import type { SyncEngine } from './sync-engine.js';

/** Every view reloads on this topic: after a gap in the stream, anything may have changed. */
export const ALL_TOPICS = '*';

function topicsOf(event: ChangeEvent): string[] {
  switch (event.type) {
    case 'chat':
      return [`chat:${event.chatId}`, 'chats'];
    case 'chatDeleted':
      return [`chat:${event.chatId}`, 'chats', 'characters'];
    case 'generation':
      return [`chat:${event.chatId}`];
    // Who the chat is shared with changed: the chat itself (a removed participant loses it), lists, the share dialog.
    case 'shares':
      return [`chat:${event.chatId}`, 'chats', `shares:${event.chatId}`];
    // Something went into the trash or came back: any list may have lost or regained it.
    case 'trash':
      return ['trash', 'chats', 'characters', 'groups', 'worlds'];
    default:
      return [event.type];
  }
}

/**
 * Live updates from other tabs and devices: GET /api/events (server-sent events) turned into the engine's
 * `changed` topics. Echoes of this tab's own writes are skipped (it refreshed already). The browser reconnects
 * by itself after a network drop; after a refusal (the session ended) it reconnects once a session is back.
 */
export class ServerEvents {
  readonly #engine: SyncEngine;
  readonly #keeper: SessionKeeper;
  readonly #clientId: string;
  #source: EventSource | null = null;
  #hadOpened = false;
  #unsubscribe: (() => void) | null = null;

  constructor(engine: SyncEngine, keeper: SessionKeeper, clientId: string) {
    this.#engine = engine;
    this.#keeper = keeper;
    this.#clientId = clientId;
  }

  start(): void {
    this.#unsubscribe = this.#keeper.subscribe(() => this.#connectIfSignedIn());
    this.#connectIfSignedIn();
  }

  stop(): void {
    this.#unsubscribe?.();
    this.#source?.close();
    this.#source = null;
  }

  #connectIfSignedIn(): void {
    const signedIn = this.#keeper.getSnapshot().phase === 'signed-in';
    if (!signedIn || typeof EventSource !== 'function') return;
    if (this.#source && this.#source.readyState !== EventSource.CLOSED) return;
    const source = new EventSource('/api/events');
    this.#source = source;
    source.addEventListener('open', () => {
      // Reconnected: whatever happened during the gap was not announced.
      if (this.#hadOpened) this.#engine.publish([ALL_TOPICS]);
      this.#hadOpened = true;
    });
    source.addEventListener('change', (message: MessageEvent<string>) => this.#receive(message.data));
  }

  #receive(data: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(data);
    } catch {
      return;
    }
    const event = ChangeEvent.safeParse(raw);
    if (!event.success) return;
    const origin = (raw as { origin?: unknown }).origin;
    if (origin === this.#clientId && event.data.type !== 'generation') return;
    this.#engine.publish(topicsOf(event.data));
  }
}
