import { PostgresAdapter, type Kysely } from 'kysely';

/** The one column type the two dialects spell differently: raw bytes. */
export function binaryType(db: Kysely<unknown>): 'bytea' | 'blob' {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'bytea' : 'blob';
}
