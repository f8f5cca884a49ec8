import type { Dialect, Kysely } from 'kysely';

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
}
