import type { CompiledQuery, Dialect, Kysely, Transaction } from 'kysely';
import type { SearchMessages } from './message-search.js';

/** What differs between the embedded and the shared database; repositories never see this. */
export interface StoreDialect {
  readonly name: 'sqlite' | 'postgres';
  readonly kysely: Dialect;
  /**
   * True when this process is the database's only user (SQLite: one server per file), so work it finds unfinished
   * at startup was left by this process's previous life; false when other nodes may share it (PostgreSQL).
   */
  readonly singleNode: boolean;
  /**
   * A channel to every node sharing the database, this one included (PostgreSQL LISTEN/NOTIFY); absent when there
   * are no other nodes. Messages are small text; delivery is best effort (a node that is down misses them).
   */
  openNodeChannel?(channel: string, handlers: NodeChannelHandlers): Promise<NodeChannel>;
  /** A consistent copy of the live database (SQLite only; PostgreSQL has pg_dump). */
  backupTo?(target: string): Promise<void>;
  /**
   * The schema that holds Kysely's migration tables (PostgreSQL). Kysely looks for them in every schema, so
   * unpinned, another Parley (or Kysely app) in another schema of the same database makes it skip creating ours.
   */
  migrationSchema?<DB>(db: Kysely<DB>): Promise<string>;
  /**
   * A transaction whose commit does not wait for the disk (SQLite synchronous=NORMAL, PostgreSQL
   * synchronous_commit=off). A crash may lose it, never corrupt anything, and the next durable commit makes it
   * durable too. For writes that a later durable write supersedes: a reply's placeholder and progress.
   */
  relaxedTransaction<DB, T>(db: Kysely<DB>, work: (trx: Transaction<DB>) => Promise<T>): Promise<T>;
  /**
   * Runs compiled writes as one relaxed transaction on a thread of its own, holding the store's one connection
   * meanwhile (so nothing else reads or writes between them), while this thread goes on with other work: SQLite's
   * work is otherwise done on the event loop's thread. Absent where the database works elsewhere already
   * (PostgreSQL) or cannot be opened twice (`:memory:`); null while its thread is starting (the caller writes on
   * its own thread meanwhile). See Store.relaxedWrites.
   */
  writeOffThread?<DB>(db: Kysely<DB>, writes: readonly GuardedWrite[]): Promise<boolean> | null;
  /**
   * True when every query shares one connection and a commit blocks the process while the disk syncs (SQLite):
   * grouped transactions then share commits (see group-commit.ts). A server's connection pool commits in parallel.
   */
  readonly groupCommit: boolean;
  /** Full-text search of messages with the database's own index (FTS5, or a tsvector with GIN). */
  readonly searchMessages: SearchMessages;
}

/** A compiled write; with `mustChange`, one that changes no row rolls its whole transaction back. */
export interface GuardedWrite {
  query: CompiledQuery;
  mustChange?: boolean;
}

export interface NodeChannelHandlers {
  message(payload: string): void;
  error(error: unknown): void;
}

export interface NodeChannel {
  send(payload: string): Promise<void>;
  close(): Promise<void>;
}
