import type { Kysely } from 'kysely';
import type { ShareAccess } from '../../shared/api/shares.js';
import type { Database } from './database.js';
import { fixedQuery } from './fixed-query.js';

// Runs after every change of every chat (see fixed-query.ts).
const chatParticipants = fixedQuery((db: Kysely<Database>, v: { chatId: string }) =>
  db
    .selectFrom('chats')
    .leftJoin('chat_shares', 'chat_shares.chat_id', 'chats.id')
    .select(['chats.user_id as owner_id', 'chat_shares.user_id as shared_id'])
    .where('chats.id', '=', v.chatId),
);

export interface ChatShareRecord {
  chatId: string;
  userId: string;
  access: ShareAccess;
  createdAt: number;
}

/** A share as its chat's owner lists it: with the account it is shared with. */
export interface ShareWithUser extends ChatShareRecord {
  handle: string;
  name: string;
}

/** A chat shared with a user, as their list shows it: the chat's owner named. */
export interface SharedChatRow {
  chatId: string;
  access: ShareAccess;
  ownerId: string;
  ownerHandle: string;
  ownerName: string;
}

/** Chats shared by their owners with other accounts (migration 0015). */
export class ChatSharesRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Shares the chat with the user, or changes the access of the share there is. */
  async put(share: ChatShareRecord): Promise<void> {
    await this.#db
      .insertInto('chat_shares')
      .values({ chat_id: share.chatId, user_id: share.userId, access: share.access, created_at: share.createdAt })
      .onConflict((oc) => oc.columns(['chat_id', 'user_id']).doUpdateSet({ access: share.access }))
      .execute();
  }

  async remove(chatId: string, userId: string): Promise<boolean> {
    const result = await this.#db.deleteFrom('chat_shares').where('chat_id', '=', chatId).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** The user's share of the chat with the chat's owner, if the chat is shared with them. */
  async of(chatId: string, userId: string): Promise<{ access: ShareAccess; ownerId: string } | undefined> {
    const row = await this.#db
      .selectFrom('chat_shares')
      .innerJoin('chats', 'chats.id', 'chat_shares.chat_id')
      .select(['chat_shares.access', 'chats.user_id as owner_id'])
      .where('chat_shares.chat_id', '=', chatId)
      .where('chat_shares.user_id', '=', userId)
      .executeTakeFirst();
    return row && { access: row.access as ShareAccess, ownerId: row.owner_id };
  }

  async list(chatId: string): Promise<ShareWithUser[]> {
    const rows = await this.#db
      .selectFrom('chat_shares')
      .innerJoin('users', 'users.id', 'chat_shares.user_id')
      .select(['chat_shares.chat_id', 'chat_shares.user_id', 'chat_shares.access', 'chat_shares.created_at', 'users.handle', 'users.name'])
      .where('chat_shares.chat_id', '=', chatId)
      .orderBy('users.handle')
      .execute();
    return rows.map((r) => ({
      chatId: r.chat_id,
      userId: r.user_id,
      access: r.access as ShareAccess,
      createdAt: Number(r.created_at),
      handle: r.handle,
      name: r.name,
    }));
  }

  /** Everyone a notice about the chat is for: its owner and each account it is shared with. */
  async participants(chatId: string): Promise<string[]> {
    // One read: it runs after every change of every chat, and a chat is rarely shared.
    const rows = await chatParticipants(this.#db, { chatId });
    if (rows.length === 0) return [];
    return [rows[0]!.owner_id, ...rows.flatMap((r) => (r.shared_id === null ? [] : [r.shared_id]))];
  }

  /** The chats shared with the user, each with its owner. */
  async sharedWith(userId: string): Promise<SharedChatRow[]> {
    const rows = await this.#db
      .selectFrom('chat_shares')
      .innerJoin('chats', 'chats.id', 'chat_shares.chat_id')
      .innerJoin('users', 'users.id', 'chats.user_id')
      .select(['chat_shares.chat_id', 'chat_shares.access', 'chats.user_id as owner_id', 'users.handle', 'users.name'])
      .where('chat_shares.user_id', '=', userId)
      .execute();
    return rows.map((r) => ({ chatId: r.chat_id, access: r.access as ShareAccess, ownerId: r.owner_id, ownerHandle: r.handle, ownerName: r.name }));
  }
}
