import { PostgresAdapter, sql, type Kysely, type RawBuilder, type Selectable, type SelectQueryBuilder } from 'kysely';
import type { Card } from '../../shared/api/characters.js';
import type { CharactersTable, Database } from './database.js';
import { fixedQuery } from './fixed-query.js';
import { columnsOf } from './table-columns.js';
import { trashMarks, type TrashMarks } from './trash-marks.js';

const CHARACTER_COLUMNS = columnsOf<CharactersTable>({
  id: true, user_id: true, name: true, card_json: true, tags_json: true, creator: true, avatar_hash: true, thumbnail_hash: true,
  source_key: true, persona_id: true, favourite: true, created_at: true, updated_at: true, trash_id: true,
});

// Read by every generation's plan, compiled once (fixed-query.ts): the character, outside the trash or wherever it is.
const keptCharacterOf = fixedQuery((db: Kysely<Database>, v: { userId: string; id: string }) =>
  db.selectFrom('characters').select(CHARACTER_COLUMNS).where('id', '=', v.id).where('user_id', '=', v.userId).where('trash_id', 'is', null),
);
const characterOf = fixedQuery((db: Kysely<Database>, v: { userId: string; id: string }) =>
  db.selectFrom('characters').select(CHARACTER_COLUMNS).where('id', '=', v.id).where('user_id', '=', v.userId),
);

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
  /** Derived from the card (data.extensions.fav), like name, tags and creator. */
  favourite: boolean;
  /** The persona locked to this character. */
  personaId: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface CharacterListRow extends Omit<CharacterRecord, 'card'> {
  chatCount: number;
  /** The chat changed last, and when; null without chats. */
  latestChatId: string | null;
  lastChatAt: number | null;
}

/** What comes from the card and the image: all a replaced card changes. */
export type CharacterContent = Pick<
  CharacterRecord,
  'name' | 'card' | 'tags' | 'creator' | 'favourite' | 'avatarHash' | 'thumbnailHash' | 'updatedAt'
>;

const listColumns = [
  'id',
  'user_id',
  'name',
  'tags_json',
  'creator',
  'avatar_hash',
  'thumbnail_hash',
  'source_key',
  'favourite',
  'persona_id',
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
    favourite: row.favourite === 1,
    personaId: row.persona_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** What the library's page asks for; `text` and `tag` are the user's, matched literally. */
export interface LibraryPageQuery {
  text?: string | undefined;
  tag?: string | undefined;
  favourites?: boolean | undefined;
  sort: 'recent' | 'name' | 'added';
  /** Where the page starts: after the card with these sort values (a page's `next`), or at a row count. */
  start: { after: LibraryKey } | { offset: number } | null;
  limit: number;
}

/** A card's values in the library's order (see page()): what a page's cursor holds of its last card. */
export type LibraryKey = Array<number | string>;

/** One term of the library's order: `text` for a key compared as text (a folded name, an id), else a number. */
interface SortKey {
  expression: RawBuilder<unknown>;
  descending: boolean;
  text: boolean;
}

/** The library's order for `sort`: favourites first, then the sort's own keys, then the name and the id. */
function librarySortKeys(sort: LibraryPageQuery['sort']): SortKey[] {
  const key = (expression: RawBuilder<unknown>, descending: boolean, text = false): SortKey => ({ expression, descending, text });
  // The subquery spelled out: PostgreSQL does not let ORDER BY use an output column inside an expression.
  const lastChat = sql`coalesce((SELECT max(chats.updated_at) FROM chats WHERE chats.character_id = characters.id), -1)`;
  const created = sql`characters.created_at`;
  const own = sort === 'recent' ? [key(lastChat, true), key(created, true)] : sort === 'added' ? [key(created, true)] : [];
  return [key(sql`characters.favourite`, true), ...own, key(sql`lower(characters.name)`, false, true), key(sql`characters.id`, false, true)];
}

/** A cursor's key is one of this order's: as many values, each of its key's kind. */
function fitsKeys(values: LibraryKey, keys: SortKey[]): boolean {
  return values.length === keys.length && keys.every((key, i) => (key.text ? typeof values[i] === 'string' : Number.isSafeInteger(values[i])));
}

/** Rows after `values` in the order of `keys`, each key ascending or descending (so no row-value comparison). */
function afterKey(keys: SortKey[], values: LibraryKey): RawBuilder<boolean> {
  let condition: RawBuilder<boolean> | null = null;
  for (let i = keys.length - 1; i >= 0; i--) {
    const { expression, descending } = keys[i]!;
    const beyond = sql<boolean>`${expression} ${sql.raw(descending ? '<' : '>')} ${values[i]}`;
    condition = condition ? sql<boolean>`(${beyond} OR (${expression} = ${values[i]} AND ${condition}))` : beyond;
  }
  return condition!;
}

const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, '\\$&')}%`;
/**
 * `column` holds `text` anywhere, literally: %, _ and \ in the text are escaped, with the ESCAPE clause spelled out
 * because the two databases differ on the default (PostgreSQL: backslash; SQLite: none).
 */
const contains = (column: RawBuilder<unknown> | string, text: string) =>
  sql<boolean>`${typeof column === 'string' ? sql.ref(column) : column} LIKE ${likePattern(text)} ESCAPE '\\'`;
/** `contains` without regard to case, as far as the database's lower() folds it (the same on both sides). */
const containsFolded = (column: RawBuilder<unknown>, text: string) =>
  sql<boolean>`lower(${column}) LIKE lower(${likePattern(text)}) ESCAPE '\\'`;

/**
 * Whether one of the row's tags holds the text, each tag read out of the JSON array it is kept in: a `[`, `,` or `"`
 * typed is matched in a tag's text, never in the array's own punctuation (which every tagged card has). The array
 * holding the text as JSON writes it is a cheap first test (JSON escapes character by character), so only the few
 * rows that pass it are taken apart (all of them took 20,000 cards' search from ~20 to ~30 ms on SQLite).
 */
const anyTagContains = (postgres: boolean, text: string) =>
  sql<boolean>`(${containsFolded(sql`characters.tags_json`, JSON.stringify(text).slice(1, -1))}
    AND EXISTS (SELECT 1 FROM ${tagsOf(postgres)} WHERE ${containsFolded(sql`t.value`, text)}))`;

/** Whether the row has this very tag: `"tag"` in the array's text first (cheap), then an element equal to it. */
const hasTag = (postgres: boolean, tag: string) =>
  sql<boolean>`(${contains('characters.tags_json', JSON.stringify(tag))} AND EXISTS (SELECT 1 FROM ${tagsOf(postgres)} WHERE t.value = ${tag}))`;

/** The row's tags as rows `t(value)`. */
const tagsOf = (postgres: boolean) =>
  postgres ? sql`json_array_elements_text(characters.tags_json::json) AS t(value)` : sql`json_each(characters.tags_json) AS t`;

function toListRow(row: ListRow & { chat_count: unknown; latest_chat_id: string | null; last_chat_at: unknown }): CharacterListRow {
  return {
    ...toListFields(row),
    chatCount: Number(row.chat_count ?? 0),
    latestChatId: row.latest_chat_id ?? null,
    lastChatAt: row.last_chat_at === null || row.last_chat_at === undefined ? null : Number(row.last_chat_at),
  };
}

export class CharactersRepository {
  readonly #db: Kysely<Database>;

  /** Putting a character in the trash and taking it out. */
  readonly trash: TrashMarks;

  constructor(db: Kysely<Database>) {
    this.#db = db;
    this.trash = trashMarks(db, 'characters');
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
        favourite: c.favourite ? 1 : 0,
        persona_id: c.personaId,
        created_at: c.createdAt,
        updated_at: c.updatedAt,
      })
      .execute();
  }

  /** Only the owner's character: every lookup is scoped by user, so ids of others' data lead nowhere. */
  async get(userId: string, id: string, includeTrash = false): Promise<CharacterRecord | undefined> {
    const [row] = await (includeTrash ? characterOf : keptCharacterOf)(this.#db, { userId, id });
    return row && { ...toListFields(row), card: JSON.parse(row.card_json) as Card };
  }

  async bySourceKey(userId: string, sourceKey: string): Promise<CharacterRecord | undefined> {
    const row = await this.#db
      .selectFrom('characters')
      .select('id')
      .where('user_id', '=', userId)
      .where('source_key', '=', sourceKey)
      .executeTakeFirst();
    // A character in the trash still holds its source: a re-run import finds it rather than doubling it.
    return row && this.get(userId, row.id, true);
  }

  /** The names and pictures of the given characters (a group's members) not in the trash, without reading the whole library. */
  async namesAndPictures(userId: string, ids: readonly string[]): Promise<Array<Pick<CharacterRecord, 'id' | 'name' | 'avatarHash' | 'thumbnailHash'>>> {
    const found: Array<Pick<CharacterRecord, 'id' | 'name' | 'avatarHash' | 'thumbnailHash'>> = [];
    const unique = [...new Set(ids)];
    // In slices: SQLite takes at most 32,766 parameters a statement, and a user may have hundreds of groups.
    for (let start = 0; start < unique.length; start += 500) {
      const rows = await this.#db
        .selectFrom('characters')
        .select(['id', 'name', 'avatar_hash', 'thumbnail_hash'])
        .where('user_id', '=', userId)
        .where('id', 'in', unique.slice(start, start + 500))
        .where('trash_id', 'is', null)
        .execute();
      for (const row of rows) found.push({ id: row.id, name: row.name, avatarHash: row.avatar_hash, thumbnailHash: row.thumbnail_hash });
    }
    return found;
  }

  /** Every character of the user, by name, with its chat facts. */
  async list(userId: string): Promise<CharacterListRow[]> {
    const rows = await this.#listQuery(userId).orderBy('name').execute();
    return rows.map(toListRow);
  }

  /**
   * One page of the library, filtered and ordered by the database: favourites first, then the chosen order; ties
   * fall back to the id so that pages never overlap or skip. `total` counts every match; `next` is the last card's
   * sort values when a further page exists, for it to start after (a keyset: cards added or deleted meanwhile move
   * no one across the page's edge, as a row count would). undefined when `start.after` is not such a key.
   */
  async page(userId: string, query: LibraryPageQuery): Promise<{ rows: CharacterListRow[]; total: number; next: LibraryKey | null } | undefined> {
    const postgres = this.#db.getExecutor().adapter instanceof PostgresAdapter;
    const filtered = <Q extends SelectQueryBuilder<Database, 'characters', object>>(builder: Q): Q => {
      let q = builder.where('characters.user_id', '=', userId).where('characters.trash_id', 'is', null);
      if (query.favourites) q = q.where('characters.favourite', '=', 1);
      if (query.tag !== undefined) q = q.where(hasTag(postgres, query.tag));
      if (query.text) {
        // Both sides folded by the database's lower(), so a name typed as written always matches: all of Unicode
        // in PostgreSQL, ASCII letters in SQLite (where JavaScript's folding of the text alone missed "Émile").
        const text = query.text;
        q = q.where((eb) =>
          eb.or([
            containsFolded(sql`characters.name`, text),
            containsFolded(sql`characters.creator`, text),
            anyTagContains(postgres, text),
          ]),
        );
      }
      return q as Q;
    };
    const keys = librarySortKeys(query.sort);
    const after = query.start && 'after' in query.start ? query.start.after : undefined;
    if (after && !fitsKeys(after, keys)) return undefined;
    let ordered = filtered(this.#listQuery(userId));
    keys.forEach((key, i) => (ordered = ordered.select(key.expression.as(`k${i}`)).orderBy(key.expression, key.descending ? 'desc' : 'asc')));
    if (after) ordered = ordered.where(afterKey(keys, after));
    if (query.start && 'offset' in query.start) ordered = ordered.offset(query.start.offset);
    // One card more than the page tells whether another page follows.
    const rows = (await ordered.limit(query.limit + 1).execute()) as Array<Parameters<typeof toListRow>[0] & Record<string, unknown>>;
    const count = await filtered(this.#db.selectFrom('characters').select((eb) => eb.fn.countAll<number>().as('n'))).executeTakeFirst();
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    const next = rows.length > query.limit && last ? keys.map((key, i) => (key.text ? String(last[`k${i}`]) : Number(last[`k${i}`]))) : null;
    return { rows: page.map(toListRow), total: Number(count?.n ?? 0), next };
  }

  /** Every tag of the user's characters and how many carry it. */
  async tags(userId: string): Promise<Array<{ tag: string; count: number }>> {
    const rows = await this.#db.selectFrom('characters').select('tags_json').where('user_id', '=', userId).where('trash_id', 'is', null).execute();
    const counts = new Map<string, number>();
    for (const row of rows) for (const tag of new Set(JSON.parse(row.tags_json) as string[])) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    return [...counts].map(([tag, count]) => ({ tag, count })).sort((a, b) => a.tag.localeCompare(b.tag));
  }

  #listQuery(userId: string) {
    return this.#db
      .selectFrom('characters')
      .select(listColumns.map((column) => `characters.${column}` as const))
      .select((eb) =>
        eb
          .selectFrom('chats')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('chats.character_id', '=', 'characters.id')
          .where('chats.import_lease_until', 'is', null)
          .where('chats.trash_id', 'is', null)
          .as('chat_count'),
      )
      // The newest chat by the index on (character_id, updated_at): one row each, however many chats.
      .select((eb) =>
        eb
          .selectFrom('chats')
          .select('chats.id')
          .whereRef('chats.character_id', '=', 'characters.id')
          .where('chats.import_lease_until', 'is', null)
          .where('chats.trash_id', 'is', null)
          .orderBy('chats.updated_at', 'desc')
          .limit(1)
          .as('latest_chat_id'),
      )
      .select((eb) =>
        eb
          .selectFrom('chats')
          .select((inner) => inner.fn.max('chats.updated_at').as('at'))
          .whereRef('chats.character_id', '=', 'characters.id')
          .where('chats.import_lease_until', 'is', null)
          .where('chats.trash_id', 'is', null)
          .as('last_chat_at'),
      )
      .where('characters.user_id', '=', userId)
      .where('characters.trash_id', 'is', null);
  }

  /** False when the character is not the user's or is in the trash (a trashed item takes no writes). */
  async update(
    userId: string,
    id: string,
    changes: { name: string; card: Card; tags: string[]; creator: string; favourite: boolean; updatedAt: number },
  ): Promise<boolean> {
    const result = await this.#db
      .updateTable('characters')
      .set({
        name: changes.name,
        card_json: JSON.stringify(changes.card),
        tags_json: JSON.stringify(changes.tags),
        creator: changes.creator,
        favourite: changes.favourite ? 1 : 0,
        updated_at: changes.updatedAt,
      })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('trash_id', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** A new card and image in place of the old (an import that replaces it); the id, chats and lock stay. */
  async replaceContent(userId: string, id: string, content: CharacterContent): Promise<void> {
    await this.#db
      .updateTable('characters')
      .set({
        name: content.name,
        card_json: JSON.stringify(content.card),
        tags_json: JSON.stringify(content.tags),
        creator: content.creator,
        favourite: content.favourite ? 1 : 0,
        avatar_hash: content.avatarHash,
        thumbnail_hash: content.thumbnailHash,
        updated_at: content.updatedAt,
      })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .execute();
  }

  /** Points the character at a new image (stored in blobs) and its thumbnail. */
  async setAvatar(userId: string, id: string, avatarHash: string, thumbnailHash: string | null, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('characters')
      .set({ avatar_hash: avatarHash, thumbnail_hash: thumbnailHash, updated_at: now })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('trash_id', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async setPersona(userId: string, id: string, personaId: string | null, now: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('characters')
      .set({ persona_id: personaId, updated_at: now })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('trash_id', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** The user's characters whose name is this one (ignoring case and surrounding spaces): an import's doubles. */
  async withName(userId: string, name: string): Promise<Omit<CharacterRecord, 'card'>[]> {
    const rows = await this.#db
      .selectFrom('characters')
      .select(listColumns)
      .where('user_id', '=', userId)
      .where('trash_id', 'is', null)
      .where((eb) => eb(eb.fn('lower', [eb.fn('trim', ['name'])]), '=', name.trim().toLowerCase()))
      .orderBy('created_at')
      .execute();
    return rows.map(toListFields);
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
