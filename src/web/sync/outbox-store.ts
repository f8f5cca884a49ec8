import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { HeldChange, OutboxEntry } from './change.js';

interface ParleyDb extends DBSchema {
  outbox: { key: number; value: OutboxEntry; indexes: { byOwner: string; byChat: string } };
  held: { key: string; value: HeldChange; indexes: { byOwner: string } };
}

export interface Settlement {
  /** Entries the server acknowledged (applied or duplicate): removed. */
  acked: number[];
  /** Entries the server did not take: moved to `held` in the same transaction, so none is ever in neither. */
  held: Array<{ seq: number; held: HeldChange }>;
}

/**
 * The outbox in IndexedDB: it outlives the tab, a reload and a browser restart, and is shared by every tab of
 * the origin. IndexedDB serializes read-write transactions across tabs, so a settlement is atomic.
 */
export class OutboxStore {
  readonly #db: Promise<IDBPDatabase<ParleyDb>>;
  /** Settles once the database is open; rejects when it cannot be (no IndexedDB: nothing could be kept). */
  readonly opened: Promise<void>;

  private constructor(db: Promise<IDBPDatabase<ParleyDb>>) {
    this.#db = db;
    this.opened = db.then(() => undefined);
  }

  /**
   * Starts opening the database and returns at once: the app renders (and asks the server for the screen's data)
   * while it opens; each call waits for it.
   */
  static open(name = 'parley'): OutboxStore {
    const db = openDB<ParleyDb>(name, 1, {
      upgrade(database) {
        const outbox = database.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
        outbox.createIndex('byOwner', 'owner');
        outbox.createIndex('byChat', 'chatId');
        const held = database.createObjectStore('held', { keyPath: 'id' });
        held.createIndex('byOwner', 'owner');
      },
    });
    return new OutboxStore(db);
  }

  /** Adds entries in one transaction; resolves once they are durable in IndexedDB. */
  async add(entries: OutboxEntry[]): Promise<void> {
    const tx = (await this.#db).transaction('outbox', 'readwrite');
    await Promise.all([...entries.map((entry) => tx.store.add(entry)), tx.done]);
  }

  /** The owner's oldest entries, in the order they were made. */
  async peek(owner: string, limit: number): Promise<OutboxEntry[]> {
    return (await this.#db).getAllFromIndex('outbox', 'byOwner', owner, limit);
  }

  async count(owner: string): Promise<number> {
    return (await this.#db).countFromIndex('outbox', 'byOwner', owner);
  }

  async forChat(owner: string, chatId: string): Promise<OutboxEntry[]> {
    const entries = await (await this.#db).getAllFromIndex('outbox', 'byChat', chatId);
    return entries.filter((entry) => entry.owner === owner);
  }

  async settle(settlement: Settlement): Promise<void> {
    const tx = (await this.#db).transaction(['outbox', 'held'], 'readwrite');
    const outbox = tx.objectStore('outbox');
    const held = tx.objectStore('held');
    await Promise.all([
      ...settlement.acked.map((seq) => outbox.delete(seq)),
      ...settlement.held.flatMap((item) => [outbox.delete(item.seq), held.put(item.held)]),
      tx.done,
    ]);
  }

  async held(owner: string): Promise<HeldChange[]> {
    return (await this.#db).getAllFromIndex('held', 'byOwner', owner);
  }

  async dismissHeld(id: string): Promise<void> {
    return (await this.#db).delete('held', id);
  }

  close(): void {
    void this.#db.then((db) => db.close(), () => undefined);
  }
}
