import type pg from 'pg';
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import { preparedNameOf } from './fixed-query.js';

/**
 * pg's pool as Kysely uses it, with the store's fixed statements (fixed-query.ts: the save path's, run by every
 * append) sent as named prepared statements: PostgreSQL parses and plans each once per connection, where an unnamed
 * statement is parsed and planned at every run. That was most of PostgreSQL's CPU per append (bench/README.md,
 * chat-ops-concurrent). Any other SQL goes as before. A connection pooler between Parley and PostgreSQL must keep
 * prepared statements per client (PgBouncer 1.21+ with max_prepared_statements; docs/operations.md).
 */
export function preparedStatementsPool(pool: pg.Pool): PostgresPool {
  return {
    connect: async () => new PreparingClient(await pool.connect()),
    end: () => pool.end(),
  };
}

class PreparingClient implements PostgresPoolClient {
  readonly #client: pg.PoolClient;

  constructor(client: pg.PoolClient) {
    this.#client = client;
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(sqlOrCursor: string | PostgresCursor<R>, parameters: ReadonlyArray<unknown> = []): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    // A cursor (Kysely's streaming, which the store does not configure) goes to pg as it is.
    if (typeof sqlOrCursor !== 'string') return this.#client.query(sqlOrCursor as unknown as pg.Submittable) as unknown as PostgresCursor<R>;
    const name = preparedNameOf(sqlOrCursor);
    const config: pg.QueryConfig = { text: sqlOrCursor, values: [...parameters], ...(name && { name }) };
    return this.#client.query(config) as unknown as Promise<PostgresQueryResult<R>>;
  }

  release(destroy?: boolean): void {
    this.#client.release(destroy);
  }
}
