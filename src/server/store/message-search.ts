import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './database.js';

/** A search as the store runs it: the words already parsed (services/message-search.ts), the filters checked. */
export interface MessageSearch {
  userId: string;
  /** Every phrase must be in a message; a phrase is words that must stand together, in order. */
  phrases: string[][];
  characterId?: string;
  role?: string;
  /** Epoch milliseconds: from inclusive, to exclusive. */
  from?: number;
  to?: number;
  offset: number;
  limit: number;
}

export interface MessageSearchRow {
  chatId: string;
  chatTitle: string;
  characterId: string | null;
  characterName: string | null;
  groupId: string | null;
  groupName: string | null;
  messageId: string;
  seq: number;
  role: string;
  name: string;
  createdAt: number;
  /** The text around the match, each matched word between SNIPPET_START and SNIPPET_END. */
  snippet: string;
}

/**
 * What marks a matched word in a snippet: control characters, which the snippet's reader splits on and never
 * shows, so no text of a message can pass for markup.
 */
export const SNIPPET_START = '\u0001';
export const SNIPPET_END = '\u0002';

/** Full-text search as the database does it (a StoreDialect capability): best matches first. */
export type SearchMessages = (db: Kysely<Database>, search: MessageSearch) => Promise<MessageSearchRow[]>;

/**
 * A hit's columns as both dialects select them (`m` messages, `c` chats, and left-joined `ch` characters and `g`
 * groups: a chat belongs to one or the other).
 */
export interface SearchHitColumns {
  chat_id: string;
  chat_title: string;
  character_id: string | null;
  character_name: string | null;
  group_id: string | null;
  group_name: string | null;
  id: string;
  seq: number;
  role: string;
  name: string;
  created_at: number;
}

export function searchHitOf(row: SearchHitColumns): Omit<MessageSearchRow, 'snippet'> {
  return {
    chatId: row.chat_id,
    chatTitle: row.chat_title,
    characterId: row.character_id,
    characterName: row.character_name,
    groupId: row.group_id,
    groupName: row.group_name,
    messageId: row.id,
    seq: row.seq,
    role: row.role,
    name: row.name,
    createdAt: row.created_at,
  };
}

/** The search's scope and filters over `m` (messages) and `c` (chats), the same in both dialects. */
/** The owner columns of a hit, and the joins that find them (a chat has a character or a group). */
export const OWNER_COLUMNS = sql`c.character_id, ch.name AS character_name, c.group_id, g.name AS group_name`;
export const OWNER_JOINS = sql`LEFT JOIN characters ch ON ch.id = c.character_id LEFT JOIN groups g ON g.id = c.group_id`;

export function searchFilters(search: MessageSearch): RawBuilder<unknown> {
  // Chats in the trash or still being imported are not there for the user: their messages are not found either.
  const filters = [sql`c.user_id = ${search.userId}`, sql`c.trash_id IS NULL`, sql`c.import_lease_until IS NULL`];
  if (search.characterId !== undefined) filters.push(sql`c.character_id = ${search.characterId}`);
  if (search.role !== undefined) filters.push(sql`m.role = ${search.role}`);
  if (search.from !== undefined) filters.push(sql`m.created_at >= ${search.from}`);
  if (search.to !== undefined) filters.push(sql`m.created_at < ${search.to}`);
  return sql.join(filters, sql` AND `);
}

/**
 * A word in half of 1,000,000 messages would have every one of them scored before the best twenty are known
 * (~0.6 s). Past this many matches, the newest this many are the ones ranked: a search of everyday words finds
 * recent messages, and one more word narrows it to a ranking of every match.
 */
export const RANKED_AT_MOST = 5_000;
