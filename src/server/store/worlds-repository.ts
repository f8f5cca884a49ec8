import type { Kysely, Selectable } from 'kysely';
import type { Database, WorldEntriesTable, WorldsTable } from './database.js';

export interface WorldRecord {
  id: string;
  userId: string;
  name: string;
  revision: number;
  /** The file's top-level object with `entries` emptied. */
  head: Record<string, unknown>;
  /** The imported file, until the first edit. */
  sourceText: string | null;
  entryCount: number;
  /** The position the next new entry takes. */
  nextPosition: number;
  createdAt: number;
  updatedAt: number;
}

export interface WorldEntryRecord {
  uid: string;
  position: number;
  entry: Record<string, unknown>;
  tokens: number;
}

/** Rows per INSERT: well under both databases' limits on bound parameters. */
const INSERT_CHUNK = 500;

function toWorld(row: Omit<Selectable<WorldsTable>, 'source_text' | 'trash_id'> & { source_text?: string | null }): WorldRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    revision: row.revision,
    head: JSON.parse(row.head_json) as Record<string, unknown>,
    sourceText: row.source_text ?? null,
    entryCount: row.entry_count,
    nextPosition: row.next_position,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const toEntry = (row: Pick<Selectable<WorldEntriesTable>, 'uid' | 'position' | 'entry_json' | 'tokens'>): WorldEntryRecord => ({
  uid: row.uid,
  position: row.position,
  entry: JSON.parse(row.entry_json) as Record<string, unknown>,
  tokens: row.tokens,
});

const HEADER_COLUMNS = ['id', 'user_id', 'name', 'revision', 'head_json', 'entry_count', 'next_position', 'created_at', 'updated_at'] as const;

export class WorldsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Every book of the user, by name; without the kept source files. */
  async list(userId: string): Promise<WorldRecord[]> {
    const rows = await this.#db.selectFrom('worlds').select(HEADER_COLUMNS).where('user_id', '=', userId).where('trash_id', 'is', null).orderBy('name').execute();
    return rows.map(toWorld);
  }

  async get(userId: string, id: string, withSource = false): Promise<WorldRecord | undefined> {
    const query = this.#db.selectFrom('worlds').where('user_id', '=', userId).where('id', '=', id).where('trash_id', 'is', null);
    const row = withSource ? await query.selectAll().executeTakeFirst() : await query.select(HEADER_COLUMNS).executeTakeFirst();
    return row && toWorld(row);
  }

  /** The books with these names; `includeTrash` for a check whether a name is taken (a trashed book keeps its name). */
  async byNames(userId: string, names: readonly string[], includeTrash = false): Promise<WorldRecord[]> {
    if (names.length === 0) return [];
    let query = this.#db.selectFrom('worlds').select(HEADER_COLUMNS).where('user_id', '=', userId).where('name', 'in', [...names]);
    if (!includeTrash) query = query.where('trash_id', 'is', null);
    return (await query.execute()).map(toWorld);
  }

  async setTrash(userId: string, id: string, trashId: string): Promise<WorldRecord | undefined> {
    const row = await this.#db
      .updateTable('worlds')
      .set({ trash_id: trashId })
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .where('trash_id', 'is', null)
      .returning(HEADER_COLUMNS)
      .executeTakeFirst();
    return row && toWorld(row);
  }

  async releaseTrash(trashId: string): Promise<void> {
    await this.#db.updateTable('worlds').set({ trash_id: null }).where('trash_id', '=', trashId).execute();
  }

  /** Locks the book's row for the rest of the transaction (PostgreSQL; SQLite has one writer anyway). */
  async lockForWrite(userId: string, id: string): Promise<WorldRecord | undefined> {
    const row = await this.#db
      .updateTable('worlds')
      .set((eb) => ({ revision: eb.ref('revision') }))
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .where('trash_id', 'is', null)
      .returning(HEADER_COLUMNS)
      .executeTakeFirst();
    return row && toWorld(row);
  }

  async insert(w: WorldRecord, entries: readonly WorldEntryRecord[]): Promise<void> {
    await this.#db
      .insertInto('worlds')
      .values({
        user_id: w.userId,
        id: w.id,
        name: w.name,
        revision: w.revision,
        head_json: JSON.stringify(w.head),
        source_text: w.sourceText,
        entry_count: w.entryCount,
        next_position: w.nextPosition,
        created_at: w.createdAt,
        updated_at: w.updatedAt,
      })
      .execute();
    await this.putEntries(w.userId, w.id, entries);
  }

  /** Saves the header; an edit also drops the kept source file (export writes the book anew from then on). */
  async saveHeader(w: WorldRecord): Promise<void> {
    await this.#db
      .updateTable('worlds')
      .set({
        name: w.name,
        revision: w.revision,
        head_json: JSON.stringify(w.head),
        source_text: w.sourceText,
        entry_count: w.entryCount,
        next_position: w.nextPosition,
        updated_at: w.updatedAt,
      })
      .where('user_id', '=', w.userId)
      .where('id', '=', w.id)
      .execute();
  }

  async entries(userId: string, worldId: string): Promise<WorldEntryRecord[]> {
    const rows = await this.#db
      .selectFrom('world_entries')
      .select(['uid', 'position', 'entry_json', 'tokens'])
      .where('user_id', '=', userId)
      .where('world_id', '=', worldId)
      .orderBy('position')
      .execute();
    return rows.map(toEntry);
  }

  async entriesByUid(userId: string, worldId: string, uids: readonly string[]): Promise<WorldEntryRecord[]> {
    const out: WorldEntryRecord[] = [];
    for (let i = 0; i < uids.length; i += INSERT_CHUNK) {
      const rows = await this.#db
        .selectFrom('world_entries')
        .select(['uid', 'position', 'entry_json', 'tokens'])
        .where('user_id', '=', userId)
        .where('world_id', '=', worldId)
        .where('uid', 'in', uids.slice(i, i + INSERT_CHUNK))
        .execute();
      out.push(...rows.map(toEntry));
    }
    return out;
  }

  async uids(userId: string, worldId: string): Promise<Set<string>> {
    const rows = await this.#db.selectFrom('world_entries').select('uid').where('user_id', '=', userId).where('world_id', '=', worldId).execute();
    return new Set(rows.map((r) => r.uid));
  }

  /** Creates or replaces entries. */
  async putEntries(userId: string, worldId: string, entries: readonly WorldEntryRecord[]): Promise<void> {
    for (let i = 0; i < entries.length; i += INSERT_CHUNK) {
      const rows = entries.slice(i, i + INSERT_CHUNK).map((e) => ({
        user_id: userId,
        world_id: worldId,
        uid: e.uid,
        position: e.position,
        entry_json: JSON.stringify(e.entry),
        tokens: e.tokens,
      }));
      await this.#db
        .insertInto('world_entries')
        .values(rows)
        .onConflict((oc) =>
          oc.columns(['user_id', 'world_id', 'uid']).doUpdateSet((eb) => ({
            position: eb.ref('excluded.position'),
            entry_json: eb.ref('excluded.entry_json'),
            tokens: eb.ref('excluded.tokens'),
          })),
        )
        .execute();
    }
  }

  async deleteEntries(userId: string, worldId: string, uids: readonly string[]): Promise<number> {
    let deleted = 0;
    for (let i = 0; i < uids.length; i += INSERT_CHUNK) {
      const result = await this.#db
        .deleteFrom('world_entries')
        .where('user_id', '=', userId)
        .where('world_id', '=', worldId)
        .where('uid', 'in', uids.slice(i, i + INSERT_CHUNK))
        .executeTakeFirst();
      deleted += Number(result.numDeletedRows);
    }
    return deleted;
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('worlds').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
