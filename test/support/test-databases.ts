import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../src/server/config.js';
import { createPostgresSchema, postgresUnavailable } from './postgres.js';
import { tempDir } from './test-server.js';

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
