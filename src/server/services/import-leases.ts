import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../clock.js';
import { ApiError } from '../errors/api-error.js';
import type { Store } from '../store/store.js';
import type { GuardedWrite } from '../store/store-dialect.js';

/** How long an importer vouches for its chat without renewing; past it, the chat is abandoned. */
export const IMPORT_LEASE_MS = 60_000;
/** The importer renews this often while it lives, even when its upload stalls between batches. */
const RENEW_EVERY_MS = 15_000;
const SWEEP_INTERVAL_MS = 30_000;
const SWEEP_BATCH = 100;
/** A bound on one sweep; what is left waits for the next. */
const SWEEP_MAX_BATCHES = 50;

export const importGone = () =>
  new ApiError('conflict', 'The chat being imported was removed meanwhile (its character was deleted, or the import was taken for abandoned).');

/** The refusal of a write to a chat whose import has not finished. */
export const stillImporting = () => new ApiError('importing', 'This chat is still being imported; it can be changed once the import has finished.');

/**
 * The lease of one chat being imported: taken with the chat's first row, renewed in every batch's transaction (a
 * renewal takes the row lock, so no sweep removes the chat under the batch) and by a timer while the process
 * lives. A process that dies stops renewing, and the lease runs out.
 */
export class ImportLease {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #chatId: string;
  readonly #timer: NodeJS.Timeout;

  private constructor(store: Store, clock: Clock, chatId: string) {
    this.#store = store;
    this.#clock = clock;
    this.#chatId = chatId;
    this.#timer = setInterval(() => {
      store.chats.renewImportLease(chatId, clock.now() + IMPORT_LEASE_MS).catch(() => undefined);
    }, RENEW_EVERY_MS);
    this.#timer.unref();
  }

  /** `insert` writes the chat with the lease's expiry. */
  static async take(store: Store, clock: Clock, chatId: string, insert: (leaseUntil: number) => Promise<void>): Promise<ImportLease> {
    await insert(clock.now() + IMPORT_LEASE_MS);
    return new ImportLease(store, clock, chatId);
  }

  /** The renewal that leads each batch's transaction: when the chat is gone it changes nothing, and the batch is not written. */
  renewal(): GuardedWrite {
    return { query: this.#store.chats.renewImportLeaseQuery(this.#chatId, this.#clock.now() + IMPORT_LEASE_MS), mustChange: true };
  }

  release(): void {
    clearInterval(this.#timer);
  }
}

/**
 * A file imported again by source (the data-folder import) while an earlier run of it is unfinished: an abandoned
 * one is removed and the import goes on; a live one refuses the second.
 */
export async function refuseIfImportingSource(store: Store, userId: string, sourceKey: string, now: number): Promise<void> {
  const other = await store.chats.importLeaseOfSource(userId, sourceKey);
  if (!other) return;
  if (other.leaseUntil < now) {
    await store.chats.deleteAbandonedImports(now, SWEEP_BATCH);
    if (!(await store.chats.importLeaseOfSource(userId, sourceKey))) return;
  }
  throw new ApiError('importing', 'This file is being imported by another run; try again when it has finished.');
}

/** Removes importing chats whose importer died: at startup, and every half minute on every node. */
export class AbandonedImports {
  readonly #deps: { store: Store; clock: Clock; log: FastifyBaseLogger; singleNode: boolean };
  readonly #timer: NodeJS.Timeout;

  constructor(deps: { store: Store; clock: Clock; log: FastifyBaseLogger; singleNode: boolean }) {
    this.#deps = deps;
    this.#timer = setInterval(() => void this.sweep(false), SWEEP_INTERVAL_MS);
    this.#timer.unref();
  }

  /** At startup. SQLite: this process is the file's only server, so every import left was cut by its previous
   *  life. PostgreSQL: other nodes may be importing, so only run-out leases count. */
  recover(): Promise<void> {
    return this.sweep(this.#deps.singleNode);
  }

  async sweep(everything: boolean): Promise<void> {
    const { store, clock, log } = this.#deps;
    const before = everything ? Number.MAX_SAFE_INTEGER : clock.now();
    try {
      const removed: string[] = [];
      for (let i = 0; i < SWEEP_MAX_BATCHES; i++) {
        const batch = await store.chats.deleteAbandonedImports(before, SWEEP_BATCH);
        removed.push(...batch);
        if (batch.length < SWEEP_BATCH) break;
      }
      if (removed.length > 0) log.warn({ chats: removed }, 'removed chats whose import was cut off');
    } catch (error) {
      log.error({ err: error }, 'removing cut-off imports failed');
    }
  }

  close(): void {
    clearInterval(this.#timer);
  }
}
