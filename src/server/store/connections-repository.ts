import { sql, type Kysely, type Selectable } from 'kysely';
import type { ConnectionApi, InstructTemplateId, SamplerSettings } from '../../shared/api/generation.js';
import type { ConnectionsTable, Database } from './database.js';
import { fixedQuery } from './fixed-query.js';
import { columnsOf } from './table-columns.js';

const CONNECTION_COLUMNS = columnsOf<ConnectionsTable>({
  user_id: true, id: true, name: true, api: true, base_url: true, api_key: true, model: true, instruct_template: true,
  settings_json: true, last_used_at: true, created_at: true, updated_at: true,
});

// Run by every generation as it is planned and starts, compiled once (fixed-query.ts).
const connectionOf = fixedQuery((db: Kysely<Database>, v: { userId: string; id: string }) =>
  db.selectFrom('connections').select(CONNECTION_COLUMNS).where('user_id', '=', v.userId).where('id', '=', v.id),
);
const mostRecentConnection = fixedQuery((db: Kysely<Database>, v: { userId: string }) =>
  db
    .selectFrom('connections')
    .select(CONNECTION_COLUMNS)
    .where('user_id', '=', v.userId)
    // SQLite and PostgreSQL sort nulls at opposite ends; coalesce makes "never used" the oldest in both.
    .orderBy(sql`coalesce(last_used_at, -1)`, 'desc')
    .orderBy('created_at', 'desc')
    .limit(1),
);
const markConnectionUsed = fixedQuery((db: Kysely<Database>, v: { userId: string; id: string; now: number }) =>
  db.updateTable('connections').set({ last_used_at: v.now }).where('user_id', '=', v.userId).where('id', '=', v.id),
);

export interface ConnectionRecord {
  id: string;
  name: string;
  api: ConnectionApi;
  baseUrl: string;
  apiKey: string | null;
  model: string;
  instructTemplate: InstructTemplateId | null;
  settings: SamplerSettings;
  /** When a generation last used it: the default connection is the most recently used one. */
  lastUsedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

function toConnection(row: Selectable<ConnectionsTable>): ConnectionRecord {
  return {
    id: row.id,
    name: row.name,
    api: row.api as ConnectionApi,
    baseUrl: row.base_url,
    apiKey: row.api_key,
    model: row.model,
    instructTemplate: row.instruct_template as InstructTemplateId | null,
    settings: JSON.parse(row.settings_json) as SamplerSettings,
    lastUsedAt: row.last_used_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Each user's connection profiles, keyed by the client-made id (unique per user). */
export class ConnectionsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async list(userId: string): Promise<ConnectionRecord[]> {
    const rows = await this.#db.selectFrom('connections').selectAll().where('user_id', '=', userId).orderBy('name').orderBy('id').execute();
    return rows.map(toConnection);
  }

  async get(userId: string, id: string): Promise<ConnectionRecord | undefined> {
    const [row] = await connectionOf(this.#db, { userId, id });
    return row && toConnection(row);
  }

  /** Reads the profile for a write and takes its row lock (see ChatsRepository.lockForWrite). */
  async lockForWrite(userId: string, id: string): Promise<ConnectionRecord | undefined> {
    const row = await this.#db
      .updateTable('connections')
      .set((eb) => ({ updated_at: eb.ref('updated_at') }))
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toConnection(row);
  }

  /** The one a generation used last, else the newest. */
  async mostRecentlyUsed(userId: string): Promise<ConnectionRecord | undefined> {
    const [row] = await mostRecentConnection(this.#db, { userId });
    return row && toConnection(row);
  }

  async insert(userId: string, c: ConnectionRecord): Promise<void> {
    await this.#db
      .insertInto('connections')
      .values({ user_id: userId, id: c.id, ...columns(c), last_used_at: c.lastUsedAt, created_at: c.createdAt })
      .execute();
  }

  async update(userId: string, c: ConnectionRecord): Promise<void> {
    await this.#db.updateTable('connections').set(columns(c)).where('user_id', '=', userId).where('id', '=', c.id).execute();
  }

  async markUsed(userId: string, id: string, now: number): Promise<void> {
    await markConnectionUsed(this.#db, { userId, id, now });
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('connections').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}

function columns(c: ConnectionRecord) {
  return {
    name: c.name,
    api: c.api,
    base_url: c.baseUrl,
    api_key: c.apiKey,
    model: c.model,
    instruct_template: c.instructTemplate,
    settings_json: JSON.stringify(c.settings),
    updated_at: c.updatedAt,
  };
}
