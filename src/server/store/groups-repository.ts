import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ImportedKeys } from '../../shared/api/chats.js';
import { GroupSettings, type GroupMemberRecord } from '../../shared/api/groups.js';
import type { Database, GroupsTable } from './database.js';
import { trashMarks, type TrashMarks } from './trash-marks.js';

export interface GroupRecord {
  id: string;
  userId: string;
  name: string;
  /** In speaking order (list order). */
  members: GroupMemberRecord[];
  settings: GroupSettings;
  tags: string[];
  favourite: boolean;
  avatarHash: string | null;
  /** An imported SillyTavern group file's keys, for a lossless export. */
  imported: ImportedKeys | null;
  sourceKey: string | null;
  revision: number;
  createdAt: number;
  updatedAt: number;
}

export interface GroupListRow extends GroupRecord {
  chatCount: number;
  latestChatId: string | null;
}

const DEFAULT_SETTINGS = GroupSettings.parse({});

function toGroup(row: Selectable<GroupsTable>): GroupRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    members: JSON.parse(row.members_json) as GroupMemberRecord[],
    // Settings added since the group was stored take their defaults.
    settings: { ...DEFAULT_SETTINGS, ...(JSON.parse(row.settings_json) as Partial<GroupSettings>) },
    tags: JSON.parse(row.tags_json) as string[],
    favourite: row.favourite === 1,
    avatarHash: row.avatar_hash,
    imported: row.imported_json ? (JSON.parse(row.imported_json) as ImportedKeys) : null,
    sourceKey: row.source_key,
    revision: row.revision,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toRow(g: GroupRecord): Insertable<GroupsTable> & { source_key: string | null; created_at: number } {
  return {
    id: g.id,
    user_id: g.userId,
    name: g.name,
    members_json: JSON.stringify(g.members),
    settings_json: JSON.stringify(g.settings),
    tags_json: JSON.stringify(g.tags),
    favourite: g.favourite ? 1 : 0,
    avatar_hash: g.avatarHash,
    imported_json: g.imported ? JSON.stringify(g.imported) : null,
    source_key: g.sourceKey,
    revision: g.revision,
    created_at: g.createdAt,
    updated_at: g.updatedAt,
  };
}

/** Groups of characters; their chats are rows of `chats` with `group_id` set. */
export class GroupsRepository {
  readonly #db: Kysely<Database>;

  /** Putting a group in the trash and taking it out. */
  readonly trash: TrashMarks;

  constructor(db: Kysely<Database>) {
    this.#db = db;
    this.trash = trashMarks(db, 'groups');
  }

  async insert(group: GroupRecord): Promise<void> {
    await this.#db.insertInto('groups').values(toRow(group)).execute();
  }

  /** Any user's group with this id (to tell "taken" from "free" when a client proposes an id). */
  async exists(id: string): Promise<boolean> {
    return (await this.#db.selectFrom('groups').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  async get(userId: string, id: string): Promise<GroupRecord | undefined> {
    const row = await this.#db
      .selectFrom('groups')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('trash_id', 'is', null)
      .executeTakeFirst();
    return row && toGroup(row);
  }

  async bySourceKey(userId: string, sourceKey: string): Promise<GroupRecord | undefined> {
    const row = await this.#db
      .selectFrom('groups')
      .selectAll()
      .where('user_id', '=', userId)
      .where('source_key', '=', sourceKey)
      .executeTakeFirst();
    return row && toGroup(row);
  }

  async list(userId: string): Promise<GroupListRow[]> {
    const rows = await this.#db
      .selectFrom('groups')
      .selectAll()
      .select((eb) =>
        eb
          .selectFrom('chats')
          .select(eb.fn.countAll<number>().as('n'))
          .whereRef('chats.group_id', '=', 'groups.id')
          .where('chats.trash_id', 'is', null)
          .as('chat_count'),
      )
      .select((eb) =>
        eb
          .selectFrom('chats')
          .select('chats.id')
          .whereRef('chats.group_id', '=', 'groups.id')
          .where('chats.trash_id', 'is', null)
          .orderBy('chats.updated_at', 'desc')
          .limit(1)
          .as('latest_chat_id'),
      )
      .where('user_id', '=', userId)
      .where('trash_id', 'is', null)
      .orderBy('name')
      .execute();
    return rows.map((row) => ({ ...toGroup(row), chatCount: Number(row.chat_count ?? 0), latestChatId: row.latest_chat_id ?? null }));
  }

  /** Writes every field but the id, owner, origin and creation time; false for a group in the trash (no writes). */
  async save(group: GroupRecord): Promise<boolean> {
    const { id: _id, user_id: _user, source_key: _source, created_at: _created, ...fields } = toRow(group);
    const result = await this.#db
      .updateTable('groups')
      .set(fields)
      .where('id', '=', group.id)
      .where('user_id', '=', group.userId)
      .where('trash_id', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Deletes the group for good (the purge); its chats go with it (foreign key). */
  async delete(userId: string, id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('groups').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
