import type { ChangeNotice } from '../../shared/api/events.js';

export type ChangeListener = (notice: ChangeNotice) => void;

/**
 * Per-user change notices. In-process for one node; over PostgreSQL LISTEN/NOTIFY when several nodes
 * share a database, so a tab on node B hears of a write made through node A.
 */
export interface ChangeFeed {
  /** `participants`, for a notice about a chat: everyone the chat concerned as the change was made, read in the
   *  change's own transaction (ChatAudienceFeed reads them otherwise). */
  publish(userId: string, notice: ChangeNotice, participants?: readonly string[]): void;
  subscribe(userId: string, listener: ChangeListener): () => void;
  close(): Promise<void>;
}

/** Delivers to this process's subscribers; the PostgreSQL feed reuses it for what arrives by NOTIFY. */
export class LocalChangeFeed implements ChangeFeed {
  readonly #listeners = new Map<string, Set<ChangeListener>>();

  publish(userId: string, notice: ChangeNotice): void {
    for (const listener of this.#listeners.get(userId) ?? []) listener(notice);
  }

  subscribe(userId: string, listener: ChangeListener): () => void {
    let set = this.#listeners.get(userId);
    if (!set) this.#listeners.set(userId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(userId);
    };
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}
