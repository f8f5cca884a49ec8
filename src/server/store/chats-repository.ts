import type { Kysely, Selectable } from 'kysely';
import type { ImportedKeys, ImportedMessageKeys } from '../../shared/api/chats.js';
import type { ChatsTable, Database, MessagesTable } from './database.js';

export interface ChatRecord {
  id: string;
  userId: string;
  characterId: string;
  title: string;
  revision: number;
  messageCount: number;
  nextSeq: number;
  metadata: Record<string, unknown>;
  imported: ImportedKeys | null;
  sourceKey: string | null;
  createdAt: number;
  updatedAt: number;
}

export type MessageStatus = 'complete' | 'streaming' | 'cut';

export interface MessageRecord {
  seq: number;
  id: string;
  role: 'user' | 'assistant' | 'system';
  name: string;
  content: string;
  swipes: string[];
  swipeIndex: number;
  extra: Record<string, unknown>;
  imported: ImportedMessageKeys | null;
  status: MessageStatus;
  revision: number;
  createdAt: number;
}

function toChat(row: Selectable<ChatsTable>): ChatRecord {
  return {
    id: row.id,
    userId: row.user_id,
    characterId: row.character_id,
    title: row.title,
    revision: row.revision,
    messageCount: row.message_count,
    nextSeq: row.next_seq,
    metadata: JSON.parse(row.metadata_json) as Record<string, unknown>,
    imported: row.imported_json ? (JSON.parse(row.imported_json) as ImportedKeys) : null,
    sourceKey: row.source_key,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toMessage(row: Selectable<MessagesTable>): MessageRecord {
  return {
    seq: row.seq,
    id: row.id,
    role: row.role as MessageRecord['role'],
    name: row.name,
    content: row.content,
    swipes: row.swipes_json ? (JSON.parse(row.swipes_json) as string[]) : [],
    swipeIndex: row.swipe_index,
    extra: row.extra_json ? (JSON.parse(row.extra_json) as Record<string, unknown>) : {},
    imported: row.imported_json ? (JSON.parse(row.imported_json) as ImportedMessageKeys) : null,
    status: row.status as MessageStatus,
    revision: row.revision,
    createdAt: row.created_at,
  };
}

function toMessageRow(chatId: string, m: MessageRecord): MessagesTable {
  return {
    chat_id: chatId,
    seq: m.seq,
    id: m.id,
    role: m.role,
    name: m.name,
    content: m.content,
    swipes_json: m.swipes.length > 0 ? JSON.stringify(m.swipes) : null,
    swipe_index: m.swipeIndex,
    extra_json: Object.keys(m.extra).length > 0 ? JSON.stringify(m.extra) : null,
    imported_json: m.imported ? JSON.stringify(m.imported) : null,
    status: m.status,
    revision: m.revision,
    created_at: m.createdAt,
  };
}

/** Chats and their messages. A chat is never rewritten whole: messages are rows, changed one by one. */
export class ChatsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async insert(chat: ChatRecord): Promise<void> {
    await this.#db
      .insertInto('chats')
      .values({
        id: chat.id,
        user_id: chat.userId,
        character_id: chat.characterId,
        title: chat.title,
        revision: chat.revision,
        message_count: chat.messageCount,
        next_seq: chat.nextSeq,
        metadata_json: JSON.stringify(chat.metadata),
        imported_json: chat.imported ? JSON.stringify(chat.imported) : null,
        source_key: chat.sourceKey,
        created_at: chat.createdAt,
        updated_at: chat.updatedAt,
      })
      .execute();
  }

  /** Any user's chat with this id (to tell "taken" from "free" when a client proposes an id). */
  async exists(id: string): Promise<boolean> {
    return (await this.#db.selectFrom('chats').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  async get(userId: string, id: string): Promise<ChatRecord | undefined> {
    const row = await this.#db
      .selectFrom('chats')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row && toChat(row);
  }

  /**
   * Reads the chat for a write and takes its row lock (an UPDATE locks in PostgreSQL; SQLite has one writer):
   * concurrent batches on one chat apply one after the other.
   */
  async lockForWrite(userId: string, id: string): Promise<ChatRecord | undefined> {
    const row = await this.#db
      .updateTable('chats')
      .set((eb) => ({ revision: eb.ref('revision') }))
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .returningAll()
      .executeTakeFirst();
    return row && toChat(row);
  }

  async bySourceKey(userId: string, sourceKey: string): Promise<ChatRecord | undefined> {
    const row = await this.#db
      .selectFrom('chats')
      .selectAll()
      .where('user_id', '=', userId)
      .where('source_key', '=', sourceKey)
      .executeTakeFirst();
    return row && toChat(row);
  }

  async list(userId: string, characterId?: string): Promise<ChatRecord[]> {
    let query = this.#db.selectFrom('chats').selectAll().where('user_id', '=', userId);
    if (characterId) query = query.where('character_id', '=', characterId);
    const rows = await query.orderBy('updated_at', 'desc').execute();
    return rows.map(toChat);
  }

  async saveHeader(chat: ChatRecord): Promise<void> {
    await this.#db
      .updateTable('chats')
      .set({
        title: chat.title,
        revision: chat.revision,
        message_count: chat.messageCount,
        next_seq: chat.nextSeq,
        metadata_json: JSON.stringify(chat.metadata),
        updated_at: chat.updatedAt,
      })
      .where('id', '=', chat.id)
      .execute();
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('chats').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  // ---- messages ----

  async insertMessages(chatId: string, messages: readonly MessageRecord[]): Promise<void> {
    if (messages.length === 0) return;
    // SQLite allows 32,766 bound values; 13 columns a row keeps a chunk of 500 well inside.
    for (let i = 0; i < messages.length; i += 500) {
      const rows = messages.slice(i, i + 500).map((m) => toMessageRow(chatId, m));
      await this.#db.insertInto('messages').values(rows).execute();
    }
  }

  async message(chatId: string, id: string): Promise<MessageRecord | undefined> {
    const row = await this.#db
      .selectFrom('messages')
      .selectAll()
      .where('chat_id', '=', chatId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toMessage(row);
  }

  async lastMessage(chatId: string): Promise<MessageRecord | undefined> {
    const row = await this.#db
      .selectFrom('messages')
      .selectAll()
      .where('chat_id', '=', chatId)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toMessage(row);
  }

  /** Up to `limit` messages before `before` (or the newest), returned oldest first. */
  async page(chatId: string, limit: number, before?: number): Promise<MessageRecord[]> {
    let query = this.#db.selectFrom('messages').selectAll().where('chat_id', '=', chatId);
    if (before !== undefined) query = query.where('seq', '<', before);
    const rows = await query.orderBy('seq', 'desc').limit(limit).execute();
    return rows.reverse().map(toMessage);
  }

  /** Up to `limit` messages after seq `after`, oldest first. */
  async pageAfter(chatId: string, limit: number, after: number): Promise<MessageRecord[]> {
    const rows = await this.#db
      .selectFrom('messages')
      .selectAll()
      .where('chat_id', '=', chatId)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(toMessage);
  }

  /** Every message in order, read in pages so a 100 MB chat never sits in memory whole. */
  async *all(chatId: string, pageSize = 1000): AsyncGenerator<MessageRecord> {
    let after = -1;
    for (;;) {
      const rows = await this.#db
        .selectFrom('messages')
        .selectAll()
        .where('chat_id', '=', chatId)
        .where('seq', '>', after)
        .orderBy('seq')
        .limit(pageSize)
        .execute();
      for (const row of rows) yield toMessage(row);
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1]!.seq;
    }
  }

  /** With `expectedRevision`, changes the message only if no one changed it since (a reply streaming into it
   *  must not overwrite an edit); false when it did not. */
  async updateMessage(
    chatId: string,
    seq: number,
    changes: Partial<Pick<MessageRecord, 'content' | 'swipes' | 'swipeIndex' | 'status' | 'revision' | 'extra'>>,
    expectedRevision?: number,
  ): Promise<boolean> {
    let query = this.#db
      .updateTable('messages')
      .set({
        ...(changes.content !== undefined && { content: changes.content }),
        ...(changes.swipes !== undefined && {
          swipes_json: changes.swipes.length > 0 ? JSON.stringify(changes.swipes) : null,
        }),
        ...(changes.swipeIndex !== undefined && { swipe_index: changes.swipeIndex }),
        ...(changes.status !== undefined && { status: changes.status }),
        ...(changes.revision !== undefined && { revision: changes.revision }),
        ...(changes.extra !== undefined && { extra_json: JSON.stringify(changes.extra) }),
      })
      .where('chat_id', '=', chatId)
      .where('seq', '=', seq);
    if (expectedRevision !== undefined) query = query.where('revision', '=', expectedRevision);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deleteMessage(chatId: string, seq: number): Promise<void> {
    await this.#db.deleteFrom('messages').where('chat_id', '=', chatId).where('seq', '=', seq).execute();
  }
}
