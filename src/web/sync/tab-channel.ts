/** What tabs of this origin tell each other about the shared outbox and session. */
export type TabMessage =
  | { type: 'outbox' }
  | { type: 'changed'; topics: string[] }
  | { type: 'session'; phase: 'signed-in' | 'sign-in-needed' | 'signed-out' };

type Listener = (message: TabMessage) => void;

/** A BroadcastChannel when the browser has one; otherwise a channel to nobody (a single tab needs none). */
export class TabChannel {
  readonly #channel: BroadcastChannel | null;
  readonly #listeners = new Set<Listener>();

  constructor(name = 'parley-sync') {
    this.#channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(name) : null;
    if (this.#channel) {
      this.#channel.onmessage = (event: MessageEvent<TabMessage>) => {
        for (const listener of this.#listeners) listener(event.data);
      };
    }
  }

  post(message: TabMessage): void {
    this.#channel?.postMessage(message);
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.#channel?.close();
  }
}
