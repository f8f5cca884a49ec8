import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Where the tests find PostgreSQL: PARLEY_TEST_POSTGRES_URL, else the local server with trust auth
 * (the superuser is `postgres` on most machines, `root` on some).
 */
const CANDIDATES = process.env.PARLEY_TEST_POSTGRES_URL
  ? [process.env.PARLEY_TEST_POSTGRES_URL]
  : ['postgres://postgres@127.0.0.1:5432/test', 'postgres://root@127.0.0.1:5432/test'];

export interface PostgresSchema {
  /** A connection URL whose search_path is a schema of its own, so runs never see each other's tables. */
  url: string;
  schema: string;
  drop(): Promise<void>;
}

async function tryConnect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

/** The first candidate that answers, or the reason none did (for t.skip). */
async function reachable(): Promise<{ url: string } | { reason: string }> {
  const failures: string[] = [];
  for (const url of CANDIDATES) {
    try {
      const client = await tryConnect(url);
      await client.end();
      return { url };
    } catch (error) {
      failures.push(`${url}: ${(error as Error).message}`);
    }
  }
  return { reason: `PostgreSQL not reachable at ${failures.join('; ')}` };
}

let found: Promise<{ url: string } | { reason: string }> | undefined;

/** Why PostgreSQL tests must skip, or null when a server answers. */
export async function postgresUnavailable(): Promise<string | null> {
  const result = await (found ??= reachable());
  return 'reason' in result ? result.reason : null;
}

/** Creates a fresh schema; drop() removes it with everything in it. */
export async function createPostgresSchema(): Promise<PostgresSchema> {
  const result = await (found ??= reachable());
  if ('reason' in result) throw new Error(result.reason);
  const schema = `parley_test_${randomBytes(6).toString('hex')}`;
  const admin = await tryConnect(result.url);
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const url = new URL(result.url);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    schema,
    async drop() {
      const client = await tryConnect(result.url);
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
