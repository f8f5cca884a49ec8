import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { fixedQuery } from './fixed-query.js';

// Every generation runs it (see fixed-query.ts); a request's own reads it with the session (sessions-repository.ts).
const settingsStamp = fixedQuery((db: Kysely<Database>, v: { userId: string }) =>
  db.selectFrom('settings').select(['revision', 'updated_at']).where('user_id', '=', v.userId),
);

export interface SettingsRecord {
  values: Record<string, unknown>;
  revision: number;
  updatedAt: number;
}

/** What tells one version of a user's settings from another (every write moves the revision), without the values;
 *  a user who never saved any has revision 0 at time 0. */
export type SettingsStamp = Pick<SettingsRecord, 'revision' | 'updatedAt'>;

export class SettingsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async get(userId: string): Promise<SettingsRecord> {
    const row = await this.#db.selectFrom('settings').selectAll().where('user_id', '=', userId).executeTakeFirst();
    if (!row) return { values: {}, revision: 0, updatedAt: 0 };
    return { values: JSON.parse(row.values_json) as Record<string, unknown>, revision: row.revision, updatedAt: row.updated_at };
  }

  async stamp(userId: string): Promise<SettingsStamp> {
    const [row] = await settingsStamp(this.#db, { userId });
    return row ? { revision: row.revision, updatedAt: row.updated_at } : { revision: 0, updatedAt: 0 };
  }

  /**
   * Reads the user's settings for a write and takes their row lock (an UPDATE locks in PostgreSQL; SQLite has one
   * writer), made first when the user has none: two patches at once apply one after the other, neither lost.
   */
  async lockForWrite(userId: string): Promise<SettingsRecord> {
    await this.#db
      .insertInto('settings')
      .values({ user_id: userId, values_json: '{}', revision: 0, updated_at: 0 })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .execute();
    const row = await this.#db
      .updateTable('settings')
      .set((eb) => ({ revision: eb.ref('revision') }))
      .where('user_id', '=', userId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { values: JSON.parse(row.values_json) as Record<string, unknown>, revision: row.revision, updatedAt: row.updated_at };
  }

  async save(userId: string, settings: SettingsRecord): Promise<void> {
    const values_json = JSON.stringify(settings.values);
    await this.#db
      .insertInto('settings')
      .values({ user_id: userId, values_json, revision: settings.revision, updated_at: settings.updatedAt })
      .onConflict((oc) =>
        oc.column('user_id').doUpdateSet({ values_json, revision: settings.revision, updated_at: settings.updatedAt }),
      )
      .execute();
  }
}
