import type { Kysely, Selectable } from 'kysely';
import type { Card } from '../../shared/api/characters.js';
import type { CharactersTable, Database } from './database.js';

export interface CharacterRecord {
  id: string;
  userId: string;
  name: string;
  card: Card;
  tags: string[];
  creator: string;
  avatarHash: string | null;
  thumbnailHash: string | null;
  sourceKey: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface CharacterListRow extends Omit<CharacterRecord, 'card'> {
  chatCount: number;
}

const listColumns = [
  'id',
  'user_id',
  'name',
  'tags_json',
  'creator',
  'avatar_hash',
  'thumbnail_hash',
  'source_key',
  'created_at',
  'updated_at',
] as const;

type ListRow = Pick<Selectable<CharactersTable>, (typeof listColumns)[number]>;

function toListFields(row: ListRow): Omit<CharacterRecord, 'card'> {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    tags: JSON.parse(row.tags_json) as string[],
    creator: row.creator,
    avatarHash: row.avatar_hash,
    thumbnailHash: row.thumbnail_hash,
    sourceKey: row.source_key,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class CharactersRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(c: CharacterRecord): Promise<void> {
    await this.#db
      .insertInto('characters')
      .values({
        id: c.id,
        user_id: c.userId,
        name: c.name,
        card_json: JSON.stringify(c.card),
        tags_json: JSON.stringify(c.tags),
        creator: c.creator,
        avatar_hash: c.avatarHash,
        thumbnail_hash: c.thumbnailHash,
        source_key: c.sourceKey,
        created_at: c.createdAt,
        updated_at: c.updatedAt,
      })
      .execute();
  }

  /** Only the owner's character: every lookup is scoped by user, so ids of others' data lead nowhere. */
  async get(userId: string, id: string): Promise<CharacterRecord | undefined> {
    const row = await this.#db
      .selectFrom('characters')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row && { ...toListFields(row), card: JSON.parse(row.card_json) as Card };
  }

  async bySourceKey(userId: string, sourceKey: string): Promise<CharacterRecord | undefined> {
    const row = await this.#db
      .selectFrom('characters')
      .select('id')
      .where('user_id', '=', userId)
      .where('source_key', '=', sourceKey)
      .executeTakeFirst();
    return row && this.get(userId, row.id);
  }

  async list(userId: string): Promise<CharacterListRow[]> {
    const rows = await this.#db
      .selectFrom('characters')
      .select(listColumns)
      .select((eb) =>
        eb
          .selectFrom('chats')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('chats.character_id', '=', 'characters.id')
          .as('chat_count'),
      )
      .where('user_id', '=', userId)
      .orderBy('name')
      .execute();
    return rows.map((row) => ({ ...toListFields(row), chatCount: Number(row.chat_count ?? 0) }));
  }

  async update(
    userId: string,
    id: string,
    changes: { name: string; card: Card; tags: string[]; creator: string; updatedAt: number },
  ): Promise<void> {
    await this.#db
      .updateTable('characters')
      .set({
        name: changes.name,
        card_json: JSON.stringify(changes.card),
        tags_json: JSON.stringify(changes.tags),
        creator: changes.creator,
        updated_at: changes.updatedAt,
      })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .execute();
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('characters')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
