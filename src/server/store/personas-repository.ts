import type { Kysely, Selectable } from 'kysely';
import type { Database, PersonasTable } from './database.js';
import { fixedQuery } from './fixed-query.js';
import { columnsOf } from './table-columns.js';

const PERSONA_COLUMNS = columnsOf<PersonasTable>({
  user_id: true, id: true, name: true, description: true, is_default: true, avatar_hash: true, revision: true, created_at: true,
  updated_at: true,
});

// Read by every generation's plan, compiled once (fixed-query.ts).
const personasOf = fixedQuery((db: Kysely<Database>, v: { userId: string }) =>
  db.selectFrom('personas').select(PERSONA_COLUMNS).where('user_id', '=', v.userId).orderBy('name'),
);

export interface PersonaRecord {
  id: string;
  name: string;
  description: string;
  isDefault: boolean;
  avatarHash: string | null;
  revision: number;
  createdAt: number;
  updatedAt: number;
}

function toPersona(row: Selectable<PersonasTable>): PersonaRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    isDefault: row.is_default === 1,
    avatarHash: row.avatar_hash,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class PersonasRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async list(userId: string): Promise<PersonaRecord[]> {
    const rows = await personasOf(this.#db, { userId });
    return rows.map(toPersona);
  }

  async get(userId: string, id: string): Promise<PersonaRecord | undefined> {
    const row = await this.#db
      .selectFrom('personas')
      .selectAll()
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toPersona(row);
  }

  /** Reads the persona for a write and takes its row lock (see ChatsRepository.lockForWrite). */
  async lockForWrite(userId: string, id: string): Promise<PersonaRecord | undefined> {
    const row = await this.#db
      .updateTable('personas')
      .set((eb) => ({ revision: eb.ref('revision') }))
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row && toPersona(row);
  }

  async insert(userId: string, p: PersonaRecord): Promise<void> {
    await this.#db
      .insertInto('personas')
      .values({
        user_id: userId,
        id: p.id,
        name: p.name,
        description: p.description,
        is_default: p.isDefault ? 1 : 0,
        avatar_hash: p.avatarHash,
        revision: p.revision,
        created_at: p.createdAt,
        updated_at: p.updatedAt,
      })
      .execute();
  }

  async update(userId: string, p: PersonaRecord): Promise<void> {
    await this.#db
      .updateTable('personas')
      .set({
        name: p.name,
        description: p.description,
        is_default: p.isDefault ? 1 : 0,
        avatar_hash: p.avatarHash,
        revision: p.revision,
        updated_at: p.updatedAt,
      })
      .where('user_id', '=', userId)
      .where('id', '=', p.id)
      .execute();
  }

  /** Points the persona at a stored image (blobs); a new revision, so open pages see the change. */
  async setAvatar(userId: string, id: string, avatarHash: string, now: number): Promise<void> {
    await this.#db
      .updateTable('personas')
      .set((eb) => ({ avatar_hash: avatarHash, revision: eb('revision', '+', 1), updated_at: now }))
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .execute();
  }

  /** At most one default persona per user. */
  async clearDefault(userId: string, exceptId: string): Promise<void> {
    await this.#db
      .updateTable('personas')
      .set({ is_default: 0 })
      .where('user_id', '=', userId)
      .where('id', '!=', exceptId)
      .execute();
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('personas')
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
