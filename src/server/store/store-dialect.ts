import type { Dialect, Kysely, Transaction } from 'kysely';

/** What differs between the embedded and the shared database; repositories never see this. */
export interface StoreDialect {
  readonly name: 'sqlite' | 'postgres';
  readonly kysely: Dialect;
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
}
