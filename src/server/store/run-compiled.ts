import type { CompiledQuery, DatabaseConnection, Kysely, QueryResult, Transaction } from 'kysely';

/** Transactions whose statements go straight to their connection (see withDirectStatements). */
const directConnections = new WeakMap<object, DatabaseConnection>();

/**
 * Runs a compiled statement on the connection `db` stands for (a transaction's own, or one the database lends), as
 * `db.executeQuery` does but without its wrapping for each call: that builds two query executors and a chain of
 * async calls per statement, about a quarter of the bytes an append allocated under many users (bench/README.md,
 * chat-ops-concurrent), and every byte brings the next scavenge nearer. Kysely's result plugins are not applied: the
 * store configures none.
 */
export function runCompiled<DB, R>(db: Kysely<DB>, query: CompiledQuery<R>): Promise<QueryResult<R>> {
  const direct = directConnections.get(db);
  if (direct) {
    try {
      return direct.executeQuery(query);
    } catch (error) {
      // better-sqlite3 throws as it runs: a rejection, as from Kysely's own way.
      return Promise.reject(error);
    }
  }
  return db.getExecutor().provideConnection((connection) => connection.executeQuery(query));
}

/**
 * Runs `work` with runCompiled's statements on `trx` handed straight to its connection, with no promise chain of
 * Kysely's to take turns on it. Only for a connection that runs each statement at once (better-sqlite3: no statement
 * can start while another is under way), so nothing needs to take turns; after `work`, `trx` is as before (a
 * statement run after the transaction ended fails as Kysely's do).
 */
export async function withDirectStatements<DB, T>(trx: Transaction<DB>, work: () => Promise<T>): Promise<T> {
  directConnections.set(trx, await trx.getExecutor().provideConnection(async (connection) => connection));
  try {
    return await work();
  } finally {
    directConnections.delete(trx);
  }
}
