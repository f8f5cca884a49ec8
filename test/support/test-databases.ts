import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, type TestContext } from 'node:test';
import { Kysely, Migrator } from 'kysely';
import type { Config } from '../../src/server/config.js';
import { migrations } from '../../src/server/store/migrations/index.js';
import { sqliteDialect } from '../../src/server/store/sqlite-dialect.js';
import { openStore, type Store } from '../../src/server/store/store.js';
import { createPostgresSchema, postgresUnavailable } from './postgres.js';
import { serversForThisFile, tempDir, type TestServer, type TestServerOptions } from './test-server.js';

/** Every database the store supports; suites run each case against each (`for (const dialect of DIALECTS)`). */
export const DIALECTS = ['sqlite', 'postgres'] as const;
export type DialectName = (typeof DIALECTS)[number];

export interface TestDatabase {
  /** The `database` part of a Config, as openStore takes it. */
  database: Config['database'];
  /** The same as config.yaml keys, for startTestServer. */
  configKeys: Record<string, unknown>;
  /** Deletes the file or drops the schema. */
  dispose(): Promise<void>;
}

/** Why a dialect cannot be tested here (PostgreSQL not running), or null. */
export async function unavailable(dialect: DialectName): Promise<string | null> {
  return dialect === 'postgres' ? postgresUnavailable() : null;
}

/** An empty database of the dialect: a new SQLite file, or a new PostgreSQL schema. */
export async function freshDatabase(dialect: DialectName): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = tempDir('parley-store-');
    const file = join(dir, 'parley.sqlite');
    return {
      database: { kind: 'sqlite', file },
      configKeys: { database: { file } },
      async dispose() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = await createPostgresSchema();
  return {
    database: { kind: 'postgres', url: schema.url },
    configKeys: { database: { url: schema.url } },
    dispose: () => schema.drop(),
  };
}

/**
 * A store on a fresh database of the dialect, closed and dropped after the test; null, with the test skipped, where
 * the dialect cannot be tested here.
 */
export async function freshStore(t: TestContext, dialect: DialectName): Promise<Store | null> {
  const why = await unavailable(dialect);
  if (why) {
    t.skip(why);
    return null;
  }
  const database = await freshDatabase(dialect);
  const store = await openStore(database.database);
  t.after(async () => {
    await store.close();
    await database.dispose();
  });
  return store;
}

/**
 * For a migration test: a fresh, empty database of the dialect, Kysely on it and a Migrator over every migration
 * (migrate to a version, write rows as they were then, migrate on); closed and dropped after the test; null, with
 * the test skipped, where the dialect cannot be tested here.
 */
export async function freshMigrator(t: TestContext, dialect: DialectName): Promise<{ db: Kysely<any>; migrator: Migrator } | null> {
  const why = await unavailable(dialect);
  if (why) {
    t.skip(why);
    return null;
  }
  const database = await freshDatabase(dialect);
  const storeDialect =
    database.database.kind === 'sqlite'
      ? sqliteDialect(database.database.file)
      : (await import('../../src/server/store/postgres-dialect.js')).postgresDialect(database.database.url);
  const db = new Kysely<any>({ dialect: storeDialect.kysely });
  const migrationTableSchema = await storeDialect.migrationSchema?.(db);
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations }, ...(migrationTableSchema && { migrationTableSchema }) });
  t.after(async () => {
    await db.destroy();
    await database.dispose();
  });
  return { db, migrator };
}

/** `serversForThisFile` on the dialect: each server gets a fresh database of it, dropped after the file's tests. */
export function serversForThisFileOn(
  dialect: DialectName,
  defaultConfig: Record<string, unknown> = {},
): (config?: Record<string, unknown>, options?: Omit<TestServerOptions, 'config'>) => Promise<TestServer> {
  const databases: TestDatabase[] = [];
  const serve = serversForThisFile(defaultConfig);
  // Registered after serversForThisFile's hook, so it runs once the servers are closed.
  after(async () => {
    for (const database of databases) await database.dispose();
  });
  return async (config = {}, options = {}) => {
    const database = await freshDatabase(dialect);
    databases.push(database);
    return serve({ ...database.configKeys, ...config }, options);
  };
}

/** Why each dialect cannot be tested here, or null; read once at the top of a file that loops over DIALECTS. */
export async function dialectSkips(): Promise<Record<DialectName, string | false>> {
  const entries = await Promise.all(DIALECTS.map(async (d) => [d, (await unavailable(d)) ?? false] as const));
  return Object.fromEntries(entries) as Record<DialectName, string | false>;
}
