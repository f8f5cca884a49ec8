import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Sqlite from 'better-sqlite3';
import { SqliteDialect, sql, type SqliteDatabase } from 'kysely';
import { searchMessagesSqlite } from './sqlite-message-search.js';
import type { StoreDialect } from './store-dialect.js';
import { SqliteWriteThread } from './sqlite-write-thread.js';

/** The embedded default: one file, WAL so readers never wait for the writer. */
export function sqliteDialect(file: string): StoreDialect {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new Sqlite(file);
  // A second connection, on a thread of its own, for relaxedWrites (an in-memory database cannot be opened twice).
  const writeThread = file === ':memory:' ? null : new SqliteWriteThread(file);
  database.pragma('journal_mode = WAL');
  // FULL: a write the client saw acknowledged survives a power cut, not only a crash of the process.
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return {
    name: 'sqlite',
    singleNode: true,
    groupCommit: true,
    searchMessages: searchMessagesSqlite,
    kysely: new SqliteDialect({ database: withStatementCache(database, () => writeThread?.close()) }),
    async backupTo(target: string) {
      await database.backup(target);
    },
    // One connection serves every query, so the pragma holds exactly for this transaction.
    relaxedTransaction: (db, work) =>
      db.connection().execute(async (connection) => {
        await sql`PRAGMA synchronous = NORMAL`.execute(connection);
        try {
          return await connection.transaction().execute(work);
        } finally {
          await sql`PRAGMA synchronous = FULL`.execute(connection);
        }
      }),
    // The main connection is held while the thread writes: nothing else runs a query meanwhile, as if the
    // transaction ran here, but this thread is free for other work (an import's parsing of its next batch).
    // Until the thread has started, writes run here.
    ...(writeThread && {
      writeOffThread: (db, writes) =>
        writeThread.ready()
          ? db.connection().execute(() =>
              writeThread.run(writes.map(({ query, mustChange }) => ({ sql: query.sql, parameters: query.parameters, mustChange }))),
            )
          : null,
    }),
  };
}

/** Far more than the app's distinct statements; the bound only matters for SQL built with varying lists. */
const STATEMENT_CACHE_SIZE = 1000;

/**
 * Kysely prepares every query anew, and preparing costs about as much as running a small query: on the path to a
 * reply's first token that was a third of the time spent in SQLite. Statements are kept by their SQL text.
 */
function withStatementCache(database: Sqlite.Database, onClose: () => void): SqliteDatabase {
  const statements = new Map<string, Sqlite.Statement>();
  return {
    close: () => {
      onClose();
      database.close();
    },
    prepare(text) {
      let statement = statements.get(text);
      if (!statement) {
        statement = database.prepare(text);
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}
