import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { toMessage, toMessageRow, type MessageRecord } from './chats-repository.js';

export type TrashKind = 'message' | 'chat' | 'character' | 'group' | 'world';

export interface TrashEntry {
  id: string;
  userId: string;
  kind: TrashKind;
  /** The message, chat, character, group or book id. */
  itemId: string;
  /** The chat of a trashed message or chat. */
  chatId: string | null;
  /** What the trash page shows: a name, a title, the start of a message. */
  label: string;
  deletedAt: number;
  expiresAt: number;
}

type TrashRow = Database['trash'];

function toEntry(row: TrashRow): TrashEntry {
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind as TrashKind,
    itemId: row.item_id,
    chatId: row.chat_id,
    label: row.label,
    deletedAt: Number(row.deleted_at),
    expiresAt: Number(row.expires_at),
  };
}

/**
 * Trash entries, and the rows of trashed messages. A trashed chat, character or book stays in its own table marked
 * with its entry's id (so nothing about it changes); a trashed message leaves `messages` for `trashed_messages`,
 * every column kept, so the chat's reads and its prompt never see it.
 */
export class TrashRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(entry: TrashEntry): Promise<void> {
    await this.#db
      .insertInto('trash')
      .values({
        id: entry.id,
        user_id: entry.userId,
        kind: entry.kind,
        item_id: entry.itemId,
        chat_id: entry.chatId,
        label: entry.label,
        deleted_at: entry.deletedAt,
        expires_at: entry.expiresAt,
      })
      .execute();
  }

  async get(userId: string, id: string): Promise<TrashEntry | undefined> {
    const row = await this.#db.selectFrom('trash').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return row && toEntry(row);
  }

  /** The user's trash, newest first. */
  async list(userId: string, limit: number): Promise<TrashEntry[]> {
    const rows = await this.#db
      .selectFrom('trash')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('deleted_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toEntry);
  }

  /**
   * The user's entry, its row locked until the transaction ends (an UPDATE locks in PostgreSQL; SQLite has one
   * writer): a restore and a purge of one entry go one after the other, and the second finds it gone.
   */
  async claim(userId: string, id: string): Promise<TrashEntry | undefined> {
    const row = await this.#lock(id, userId);
    return row && toEntry(row);
  }

  #lock(id: string, userId?: string) {
    // A column set to itself: the row's lock, and no foreign key (its id's) to check.
    let query = this.#db.updateTable('trash').set((eb) => ({ deleted_at: eb.ref('deleted_at') })).where('id', '=', id);
    if (userId !== undefined) query = query.where('user_id', '=', userId);
    return query.returningAll().executeTakeFirst();
  }

  /** Whether the entry was there to remove (a concurrent restore or purge may have taken it first). */
  async remove(id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('trash').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Entries whose time is up (the sweep), a bounded batch at a time. */
  async expired(now: number, limit: number): Promise<TrashEntry[]> {
    const rows = await this.#db.selectFrom('trash').selectAll().where('expires_at', '<=', now).orderBy('expires_at').limit(limit).execute();
    return rows.map(toEntry);
  }

  async allOf(userId: string, limit: number): Promise<TrashEntry[]> {
    const rows = await this.#db.selectFrom('trash').selectAll().where('user_id', '=', userId).orderBy('deleted_at').limit(limit).execute();
    return rows.map(toEntry);
  }

  // ---- trashed messages ----

  async putMessage(trashId: string, chatId: string, message: MessageRecord): Promise<void> {
    await this.#db.insertInto('trashed_messages').values({ trash_id: trashId, ...toMessageRow(chatId, message) }).execute();
  }

  /** The trashed message, its entry's row locked as by `claim`. */
  async message(trashId: string): Promise<{ chatId: string; message: MessageRecord } | undefined> {
    if (!(await this.#lock(trashId))) return undefined;
    const row = await this.#db.selectFrom('trashed_messages').selectAll().where('trash_id', '=', trashId).executeTakeFirst();
    if (!row) return undefined;
    const { trash_id: _trashId, ...columns } = row;
    return { chatId: row.chat_id, message: toMessage(columns) };
  }
}
