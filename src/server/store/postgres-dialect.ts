import pg from 'pg';
import { sql } from 'kysely';
import { CurrentSchemaPostgresDialect } from './postgres-schema-introspector.js';
import { searchMessagesPostgres } from './postgres-message-search.js';
import { preparedStatementsPool } from './postgres-prepared-pool.js';
import type { StoreDialect } from './store-dialect.js';

const INT8_OID = 20;

/** The scale-out store: several Parley nodes share one PostgreSQL database. */
export function postgresDialect(url: string): StoreDialect {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // Times are epoch milliseconds in BIGINT columns; they fit a JS number, so read them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  return {
    name: 'postgres',
    singleNode: false,
    groupCommit: false,
    searchMessages: searchMessagesPostgres,
    kysely: new CurrentSchemaPostgresDialect({ pool: preparedStatementsPool(pool) }),
    // A connection of its own: LISTEN holds it for the life of the channel, outside the pool.
    async openNodeChannel(channel, handlers) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      client.on('notification', (message) => {
        if (message.payload) handlers.message(message.payload);
      });
      client.on('error', (err) => handlers.error(err));
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      return {
        send: async (payload) => {
          await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
        },
        close: () => client.end(),
      };
    },
    relaxedTransaction: (db, work) =>
      db.transaction().execute(async (trx) => {
        await sql`SET LOCAL synchronous_commit = off`.execute(trx);
        return work(trx);
      }),
    async migrationSchema(db) {
      const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
      const schema = rows[0]?.schema;
      if (!schema) throw new Error('no schema of the search_path of database.url exists; create it first');
      return schema;
    },
  };
}
