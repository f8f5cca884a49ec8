import type { Dialect } from 'kysely';

/** What differs between the embedded and the shared database; repositories never see this. */
export interface StoreDialect {
  readonly name: 'sqlite' | 'postgres';
  readonly kysely: Dialect;
  /** A consistent copy of the live database (SQLite only; PostgreSQL has pg_dump). */
  backupTo?(target: string): Promise<void>;
}
