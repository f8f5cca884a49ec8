import { PostgresAdapter, type Kysely } from 'kysely';

/** The one column type the two dialects spell differently: raw bytes. */
export function binaryType(db: Kysely<unknown>): 'bytea' | 'blob' {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'bytea' : 'blob';
}

/** PostgreSQL changes a column in place; SQLite needs the table copied (see 0013-groups). */
export function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
