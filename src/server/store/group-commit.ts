import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import { runCompiled, withDirectStatements } from './run-compiled.js';

// Compiled once: every member of a group runs them.
const SAVEPOINT = CompiledQuery.raw('SAVEPOINT group_member');
const RELEASE = CompiledQuery.raw('RELEASE group_member');
const ROLLBACK_TO = CompiledQuery.raw('ROLLBACK TO group_member');

interface Pending<DB> {
  work: (trx: Transaction<DB>) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Group commit for a database with one connection whose commit blocks the process while the disk syncs (SQLite
 * through better-sqlite3, synchronous=FULL). Transactions asked for within one turn of the event loop (the requests
 * read in one poll, which is what piles up while a commit syncs) run together in ONE transaction, each inside a
 * savepoint of its own, and share one commit: one sync instead of one each. A transaction that throws rolls back
 * to its savepoint only and gets its own error; every caller is answered only after the shared commit, so an
 * acknowledged write is as durable as before, and a failed commit fails them all.
 */
export class GroupCommit<DB> {
  readonly #db: Kysely<DB>;
  #queue: Pending<DB>[] = [];
  #scheduled = false;

  constructor(db: Kysely<DB>) {
    this.#db = db;
  }

  run<T>(work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // After the poll phase: every request read in it has reached this point and joins the group.
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    const group = this.#queue;
    this.#queue = [];
    this.#scheduled = false;
    if (group.length === 1) {
      const [only] = group as [Pending<DB>];
      await this.#db
        .transaction()
        .execute((trx) => withDirectStatements(trx, () => only.work(trx)))
        .then(only.resolve, only.reject);
      return;
    }
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await this.#db.transaction().execute((trx) =>
        withDirectStatements(trx, async () => {
          for (const pending of group) {
            await runCompiled(trx, SAVEPOINT);
            try {
              const value = await pending.work(trx);
              await runCompiled(trx, RELEASE);
              outcomes.push({ ok: true, value });
            } catch (error) {
              try {
                await runCompiled(trx, ROLLBACK_TO);
                await runCompiled(trx, RELEASE);
              } catch {
                // The database ended the whole transaction (e.g. a full disk): the group fails, with this error.
                throw error;
              }
              outcomes.push({ ok: false, error });
            }
          }
        }),
      );
    } catch (error) {
      group.forEach((pending, i) => {
        const outcome = outcomes[i];
        pending.reject(outcome && !outcome.ok ? outcome.error : error);
      });
      return;
    }
    group.forEach((pending, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  }
}
