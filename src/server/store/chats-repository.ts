import { PostgresAdapter, sql, type CompiledQuery, type ExpressionBuilder, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { ImportedKeys, ImportedMessageKeys } from '../../shared/api/chats.js';
import type { ChatsTable, Database, MessagesTable } from './database.js';
import { fixedInsert } from './fixed-insert.js';
import { claimOp } from './applied-ops-repository.js';
import { fixedQuery } from './fixed-query.js';
import { columnsOf } from './table-columns.js';

export interface ChatRecord {
  id: string;
  userId: string;
  /** A 1:1 chat's character; null in a group chat. */
  characterId: string | null;
  /** A group chat's group; null (or absent) in a 1:1 chat. */
  groupId?: string | null;
  title: string;
  revision: number;
  messageCount: number;
  nextSeq: number;
  metadata: Record<string, unknown>;
  imported: ImportedKeys | null;
  sourceKey: string | null;
  /** The persona chosen for this chat (it may have been deleted since). */
  personaId: string | null;
  createdAt: number;
  updatedAt: number;
  /** Where this chat branched from (see BranchPoint); null for a chat that is no branch. */
  branch: BranchPoint | null;
}

/** A branch holds its parent's history up to and including the message at `forkSeq`. */
export interface BranchPoint {
  parentChatId: string;
  forkSeq: number;
  /** The first chat of the tree. */
  rootChatId: string;
}

/** A chat of a branch tree, as the tree view lists it. */
export interface FamilyMember {
  id: string;
  title: string;
  parentChatId: string | null;
  forkSeq: number | null;
  messageCount: number;
  inTrash: boolean;
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
  /** Left out of the prompt. */
  hidden: boolean;
  /** When it was bookmarked; null: not bookmarked. */
  bookmarkedAt: number | null;
  createdAt: number;
  /** In a group chat, the member (character id) who wrote this reply. */
  speakerId?: string | null;
}

function toChat(row: Selectable<ChatsTable>): ChatRecord {
  return {
    id: row.id,
    userId: row.user_id,
    characterId: row.character_id,
    groupId: row.group_id,
    title: row.title,
    revision: row.revision,
    messageCount: row.message_count,
    nextSeq: row.next_seq,
    metadata: JSON.parse(row.metadata_json) as Record<string, unknown>,
    imported: row.imported_json ? (JSON.parse(row.imported_json) as ImportedKeys) : null,
    sourceKey: row.source_key,
    personaId: row.persona_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    branch:
      row.parent_chat_id !== null && row.fork_seq !== null
        ? { parentChatId: row.parent_chat_id, forkSeq: row.fork_seq, rootChatId: row.root_chat_id }
        : null,
  };
}

/**
 * Every column of a message, named: PostgreSQL's table also holds the search index's tsvector, which no read of
 * messages wants on the wire.
 */
const MESSAGE_COLUMNS = [
  'chat_id',
  'seq',
  'id',
  'role',
  'name',
  'content',
  'swipes_json',
  'swipe_index',
  'extra_json',
  'imported_json',
  'status',
  'revision',
  'hidden',
  'bookmarked_at',
  'speaker_id',
  'created_at',
] as const satisfies readonly (keyof MessagesTable)[];

/** What a prompt reads of a message (ChatsRepository.promptPage). */
type PromptColumn = Exclude<(typeof MESSAGE_COLUMNS)[number], 'swipes_json' | 'imported_json'>;
const PROMPT_COLUMNS = MESSAGE_COLUMNS.filter((c): c is PromptColumn => c !== 'swipes_json' && c !== 'imported_json');

export function toMessage(row: Selectable<MessagesTable>): MessageRecord {
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
    hidden: row.hidden === 1,
    bookmarkedAt: row.bookmarked_at === null ? null : Number(row.bookmarked_at),
    createdAt: row.created_at,
    speakerId: row.speaker_id,
  };
}

export function toMessageRow(chatId: string, m: MessageRecord): Selectable<MessagesTable> {
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
    hidden: m.hidden ? 1 : 0,
    bookmarked_at: m.bookmarkedAt,
    created_at: m.createdAt,
    speaker_id: m.speakerId ?? null,
  };
}

/** The columns saveHeader writes: what a batch of ops may change in a chat's row. */
function toHeaderRow(chat: ChatRecord): HeaderRow {
  return {
    id: chat.id,
    title: chat.title,
    revision: chat.revision,
    message_count: chat.messageCount,
    next_seq: chat.nextSeq,
    metadata_json: JSON.stringify(chat.metadata),
    persona_id: chat.personaId,
    updated_at: chat.updatedAt,
  };
}

/** Rows per INSERT: SQLite allows 32,766 bound values, and 16 columns a row keeps 500 rows well inside. */
const INSERT_CHUNK = 500;
/** A full chunk's INSERT, compiled once: imports run it 100 times for 50,000 messages (see fixed-insert.ts). */
const insertMessageChunk = fixedInsert<Database, 'messages'>('messages', MESSAGE_COLUMNS, INSERT_CHUNK);
/** Every column of a chat, named (see table-columns.ts). */
const CHAT_COLUMNS = columnsOf<ChatsTable>({
  id: true,
  user_id: true,
  character_id: true,
  group_id: true,
  title: true,
  revision: true,
  message_count: true,
  next_seq: true,
  metadata_json: true,
  imported_json: true,
  source_key: true,
  persona_id: true,
  created_at: true,
  updated_at: true,
  import_lease_until: true,
  trash_id: true,
  parent_chat_id: true,
  fork_seq: true,
  root_chat_id: true,
});

// The statements every append runs, compiled once (see fixed-query.ts).
const chatOf = fixedQuery((db: Kysely<Database>, v: { id: string; userId: string }) =>
  db
    .selectFrom('chats')
    .select(CHAT_COLUMNS)
    .where('id', '=', v.id)
    .where('user_id', '=', v.userId)
    .where('import_lease_until', 'is', null)
    .where('trash_id', 'is', null),
);
const lockChatStatement = (db: Kysely<Database>, v: { id: string; userId: string }) =>
  db
    .updateTable('chats')
    .set((eb) => ({ revision: eb.ref('revision') }))
    .where('id', '=', v.id)
    .where('user_id', '=', v.userId)
    .where('import_lease_until', 'is', null)
    .where('trash_id', 'is', null)
    .returning(CHAT_COLUMNS);
const lockChat = fixedQuery(lockChatStatement);
// The save path's lock also tells whether anyone shares the chat (the answer's notice needs it; one read fewer).
const lockChatTellingSharedStatement = (db: Kysely<Database>, v: { id: string; userId: string }) =>
  lockChatStatement(db, v).returning((eb) =>
    eb.exists(eb.selectFrom('chat_shares').select('chat_shares.user_id').whereRef('chat_shares.chat_id', '=', 'chats.id')).as('shared'),
  );
const lockChatTellingShared = fixedQuery(lockChatTellingSharedStatement);
/**
 * On PostgreSQL, that lock and the claim of the batch's first op id in one statement (one round trip fewer per
 * save): the op id is inserted from the locked row, so only once the lock is held, and not at all when the chat is
 * not the user's to lock. The same as lockChatTellingShared and then claimOp, in that order.
 */
const lockChatClaimingOp = fixedQuery(
  (db: Kysely<Database>, v: { id: string; userId: string; scope: string; opId: string; appliedAt: number }) =>
    db
      .with('locked', (cte) => lockChatTellingSharedStatement(cte as Kysely<Database>, v))
      .with('claimed', (cte) =>
        cte
          .insertInto('applied_ops')
          .columns(['scope', 'op_id', 'applied_at'])
          .expression((eb) =>
            eb.selectFrom('locked').select([eb.val(v.scope).as('scope'), eb.val(v.opId).as('op_id'), eb.cast<number>(eb.val(v.appliedAt), 'bigint').as('applied_at')]),
          )
          .onConflict((conflict) => conflict.columns(['scope', 'op_id']).doNothing())
          .returning('op_id'),
      )
      .selectFrom('locked')
      .select([...CHAT_COLUMNS, 'shared'])
      .select((eb) => eb.exists(eb.selectFrom('claimed').select('op_id')).as('claimed')),
);
type HeaderRow = Pick<ChatsTable, 'id' | 'title' | 'revision' | 'message_count' | 'next_seq' | 'metadata_json' | 'persona_id' | 'updated_at'>;
const headerSet = (v: Omit<HeaderRow, 'id'>) => ({
  title: v.title,
  revision: v.revision,
  message_count: v.message_count,
  next_seq: v.next_seq,
  metadata_json: v.metadata_json,
  persona_id: v.persona_id,
  updated_at: v.updated_at,
});
const saveChatHeader = fixedQuery((db: Kysely<Database>, v: HeaderRow) => db.updateTable('chats').set(headerSet(v)).where('id', '=', v.id));
const insertMessageIfNewStatement = (db: Kysely<Database>, row: Selectable<MessagesTable>) =>
  db
    .insertInto('messages')
    .values(Object.fromEntries(MESSAGE_COLUMNS.map((column) => [column, row[column]])) as Selectable<MessagesTable>)
    .onConflict((conflict) => conflict.columns(['chat_id', 'id']).doNothing())
    .returning('seq');
const insertMessageIfNew = fixedQuery(insertMessageIfNewStatement);
/**
 * On PostgreSQL, insertMessageIfNew and then, only when the message was inserted, saveChatHeader, in one statement
 * (one round trip fewer per append): the header's update reads the insert's RETURNING, so a message id the chat
 * already holds writes neither. The header is the message's chat's; its values are prefixed (a message has columns
 * of the same names).
 */
const insertMessageSavingHeader = fixedQuery(
  (db: Kysely<Database>, v: Selectable<MessagesTable> & { [K in Exclude<keyof HeaderRow, 'id'> as `header_${K}`]: HeaderRow[K] }) =>
    db
      .with('inserted', (cte) => insertMessageIfNewStatement(cte as Kysely<Database>, v))
      .with('saved', (cte) =>
        cte
          .updateTable('chats')
          .set(
            headerSet({
              title: v.header_title,
              revision: v.header_revision,
              message_count: v.header_message_count,
              next_seq: v.header_next_seq,
              metadata_json: v.header_metadata_json,
              persona_id: v.header_persona_id,
              updated_at: v.header_updated_at,
            }),
          )
          .where('id', '=', v.chat_id)
          .where((eb) => eb.exists(eb.selectFrom('inserted').select('seq')))
          .returning('id'),
      )
      .selectFrom('inserted')
      .select('seq'),
);

const promptPageOf = fixedQuery((db: Kysely<Database>, v: { chatId: string; limit: number }) =>
  db.selectFrom('messages').select(PROMPT_COLUMNS).where('chat_id', '=', v.chatId).orderBy('seq', 'desc').limit(v.limit),
);
const lastMessageOf = fixedQuery((db: Kysely<Database>, v: { chatId: string }) =>
  db.selectFrom('messages').select(MESSAGE_COLUMNS).where('chat_id', '=', v.chatId).orderBy('seq', 'desc').limit(1),
);
const writeReplyTo = fixedQuery(
  (
    db: Kysely<Database>,
    v: { chatId: string; seq: number; expectedRevision: number; content: string; swipes: string | null; swipeIndex: number; extra: string; status: string; revision: number },
  ) =>
    db
      .updateTable('messages')
      .set({ content: v.content, swipes_json: v.swipes, swipe_index: v.swipeIndex, extra_json: v.extra, status: v.status, revision: v.revision })
      .where('chat_id', '=', v.chatId)
      .where('seq', '=', v.seq)
      .where('revision', '=', v.expectedRevision)
      .returning('seq'),
);

/** What a generation writes into its message as it starts and streams. */
export type ReplyWrite = Pick<MessageRecord, 'content' | 'swipes' | 'swipeIndex' | 'extra' | 'status' | 'revision'>;

/** Whose chats: a character's (1:1) or a group's. */
export type ChatOwner = { characterId: string } | { groupId: string };

const ownerFilter = (owner: ChatOwner) => (eb: ExpressionBuilder<Database, 'chats'>) =>
  'characterId' in owner ? eb('character_id', '=', owner.characterId) : eb('group_id', '=', owner.groupId);

/** Chats and their messages. A chat is never rewritten whole: messages are rows, changed one by one. */
/** The columns a copy of a message (a branch's, a chat made a group chat's) keeps as they are. */
const COPIED_COLUMNS: Array<keyof MessagesTable> = [
  'seq', 'id', 'role', 'name', 'content', 'swipes_json', 'swipe_index', 'extra_json', 'imported_json', 'revision', 'hidden', 'speaker_id', 'created_at',
];

export class ChatsRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** With `importLeaseUntil`, the chat is being imported: invisible and closed to writes until `finishImport`. */
  async insert(chat: ChatRecord, importLeaseUntil: number | null = null): Promise<void> {
    await this.#db
      .insertInto('chats')
      .values({
        id: chat.id,
        user_id: chat.userId,
        character_id: chat.characterId,
        group_id: chat.groupId ?? null,
        title: chat.title,
        revision: chat.revision,
        message_count: chat.messageCount,
        next_seq: chat.nextSeq,
        metadata_json: JSON.stringify(chat.metadata),
        imported_json: chat.imported ? JSON.stringify(chat.imported) : null,
        source_key: chat.sourceKey,
        persona_id: chat.personaId,
        created_at: chat.createdAt,
        updated_at: chat.updatedAt,
        import_lease_until: importLeaseUntil,
        parent_chat_id: chat.branch?.parentChatId ?? null,
        fork_seq: chat.branch?.forkSeq ?? null,
        root_chat_id: chat.branch?.rootChatId ?? chat.id,
      })
      .execute();
  }

  /** Any user's chat with this id (to tell "taken" from "free" when a client proposes an id). */
  async exists(id: string): Promise<boolean> {
    return (await this.#db.selectFrom('chats').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  async get(userId: string, id: string): Promise<ChatRecord | undefined> {
    const [row] = await chatOf(this.#db, { id, userId });
    return row && toChat(row);
  }

  /** The chat whether or not it is in the trash (restores and purges). */
  async getAny(userId: string, id: string): Promise<(ChatRecord & { trashId: string | null }) | undefined> {
    const row = await this.#db
      .selectFrom('chats')
      .selectAll()
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row && { ...toChat(row), trashId: row.trash_id };
  }

  /**
   * Reads the chat for a write and takes its row lock (an UPDATE locks in PostgreSQL; SQLite has one writer):
   * concurrent batches on one chat apply one after the other.
   */
  async lockForWrite(userId: string, id: string): Promise<ChatRecord | undefined> {
    const [row] = await lockChat(this.#db, { id, userId });
    return row && toChat(row);
  }

  /**
   * lockForWrite for a batch of ops, telling whether the chat is shared with anyone as the lock is taken, and with
   * the batch's first op id claimed (AppliedOpsRepository.claim: false for a duplicate) once the lock is held.
   */
  async lockForOps(
    userId: string,
    id: string,
    firstOp: { scope: string; opId: string; appliedAt: number },
  ): Promise<{ chat: ChatRecord; shared: boolean; firstOpClaimed: boolean } | undefined> {
    if (this.#db.getExecutor().adapter instanceof PostgresAdapter) {
      const [row] = await lockChatClaimingOp(this.#db, { id, userId, ...firstOp });
      return row && { chat: toChat(row), shared: Boolean(row.shared), firstOpClaimed: Boolean(row.claimed) };
    }
    const [row] = await lockChatTellingShared(this.#db, { id, userId });
    if (!row) return undefined;
    const claimed = await claimOp(this.#db, { scope: firstOp.scope, op_id: firstOp.opId, applied_at: firstOp.appliedAt });
    // SQLite answers EXISTS with 0 or 1.
    return { chat: toChat(row), shared: Boolean(row.shared), firstOpClaimed: claimed.length > 0 };
  }

  async bySourceKey(userId: string, sourceKey: string): Promise<ChatRecord | undefined> {
    const row = await this.#db
      .selectFrom('chats')
      .selectAll()
      .where('user_id', '=', userId)
      .where('source_key', '=', sourceKey)
      .where('import_lease_until', 'is', null)
      .executeTakeFirst();
    return row && toChat(row);
  }

  /** The chats in use, newest first; `limit` for the home screen's recent chats (by the user's updated_at index). */
  async list(userId: string, owner: { characterId?: string | undefined; groupId?: string | undefined } = {}, limit?: number): Promise<ChatRecord[]> {
    let query = this.#db
      .selectFrom('chats')
      .selectAll()
      .where('user_id', '=', userId)
      .where('import_lease_until', 'is', null)
      .where('trash_id', 'is', null);
    if (owner.characterId) query = query.where('character_id', '=', owner.characterId);
    if (owner.groupId) query = query.where('group_id', '=', owner.groupId);
    query = query.orderBy('updated_at', 'desc');
    if (limit !== undefined) query = query.limit(limit);
    return (await query.execute()).map(toChat);
  }

  /** The character's or group's chat with this title (SillyTavern names a branch's parent by its file name), newest first. */
  async byTitle(userId: string, owner: ChatOwner, title: string): Promise<ChatRecord | undefined> {
    const row = await this.#db
      .selectFrom('chats')
      .selectAll()
      .where('user_id', '=', userId)
      .where(ownerFilter(owner))
      .where('title', '=', title)
      .where('trash_id', 'is', null)
      .where('import_lease_until', 'is', null)
      .orderBy('updated_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toChat(row);
  }

  /** The character's or group's chats that are not linked into a tree yet, with their metadata (import linking). */
  async unlinked(userId: string, owner: ChatOwner): Promise<ChatRecord[]> {
    const rows = await this.#db
      .selectFrom('chats')
      .selectAll()
      .where('user_id', '=', userId)
      .where(ownerFilter(owner))
      .where('parent_chat_id', 'is', null)
      .where('trash_id', 'is', null)
      .where('import_lease_until', 'is', null)
      .execute();
    return rows.map(toChat);
  }

  /** Every chat of a branch tree (trashed ones too, marked), by the family index: one query for 1,000 branches. */
  async family(userId: string, rootChatId: string): Promise<FamilyMember[]> {
    const rows = await this.#db
      .selectFrom('chats')
      .select(['id', 'title', 'parent_chat_id', 'fork_seq', 'message_count', 'trash_id', 'created_at', 'updated_at'])
      .where('user_id', '=', userId)
      .where('root_chat_id', '=', rootChatId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      parentChatId: r.parent_chat_id,
      forkSeq: r.fork_seq,
      messageCount: r.message_count,
      inTrash: r.trash_id !== null,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
  }

  async rootOf(userId: string, id: string): Promise<string | undefined> {
    const row = await this.#db.selectFrom('chats').select('root_chat_id').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
    return row?.root_chat_id;
  }

  /** Makes `child` a branch of `parent` at `forkSeq`; the child's own branches move into the parent's tree. */
  async link(userId: string, childId: string, point: BranchPoint): Promise<void> {
    await this.#db
      .updateTable('chats')
      .set({ parent_chat_id: point.parentChatId, fork_seq: point.forkSeq, root_chat_id: point.rootChatId })
      .where('id', '=', childId)
      .where('user_id', '=', userId)
      .execute();
    await this.#db
      .updateTable('chats')
      .set({ root_chat_id: point.rootChatId })
      .where('user_id', '=', userId)
      .where('root_chat_id', '=', childId)
      .execute();
  }

  /**
   * Copies the messages up to and including `lastSeq` into another chat inside the database (INSERT ... SELECT),
   * keeping ids, seqs, swipes and revisions: a 50,000-message history never passes through the server.
   * Bookmarks stay with the original. PostgreSQL keeps each message's search vector in its row (migration 0016):
   * the copy takes it along rather than computing it again.
   */
  async copyMessages(fromChatId: string, toChatId: string, lastSeq: number): Promise<number> {
    const searchVector = this.#db.getExecutor().adapter instanceof PostgresAdapter ? ['search_vector'] : [];
    const kept = sql.join([...COPIED_COLUMNS, ...searchVector].map((column) => sql.ref(column)));
    const result = await sql`INSERT INTO messages (chat_id, status, bookmarked_at, ${kept})
      SELECT ${toChatId},
        -- A reply still streaming in the parent is finished there, not in the copy.
        CASE WHEN status = 'streaming' THEN 'cut' ELSE status END,
        NULL, ${kept}
      FROM messages WHERE chat_id = ${fromChatId} AND seq <= ${lastSeq}`.execute(this.#db);
    return Number(result.numAffectedRows ?? 0);
  }

  /** Names a member as the speaker of every reply that names none (a 1:1 chat's copy made a group chat). */
  async assignSpeaker(chatId: string, speakerId: string, name: string): Promise<void> {
    await this.#db
      .updateTable('messages')
      .set({ speaker_id: speakerId, name })
      .where('chat_id', '=', chatId)
      .where('role', '=', 'assistant')
      .where('speaker_id', 'is', null)
      .execute();
  }

  /** Marks the chat (or every chat still in use of that character or group) as held by a trash entry. */
  async setTrash(
    userId: string,
    target: { chatId: string } | { characterId: string } | { groupId: string },
    trashId: string | null,
  ): Promise<void> {
    let query = this.#db.updateTable('chats').set({ trash_id: trashId }).where('user_id', '=', userId);
    if ('chatId' in target) query = query.where('id', '=', target.chatId);
    else if ('characterId' in target) query = query.where('character_id', '=', target.characterId);
    else query = query.where('group_id', '=', target.groupId);
    // Putting in the trash takes only chats in use; taking out releases only what this entry holds.
    query = trashId === null ? query : query.where('trash_id', 'is', null);
    await query.execute();
  }

  /** The ids of every chat of a character or group, trashed or not (a purge forgets their op ids). */
  async idsOf(userId: string, owner: ChatOwner): Promise<string[]> {
    const rows = await this.#db.selectFrom('chats').select('id').where('user_id', '=', userId).where(ownerFilter(owner)).execute();
    return rows.map((r) => r.id);
  }

  async releaseTrash(trashId: string): Promise<void> {
    await this.#db.updateTable('chats').set({ trash_id: null }).where('trash_id', '=', trashId).execute();
  }

  async saveHeader(chat: ChatRecord): Promise<void> {
    await saveChatHeader(this.#db, toHeaderRow(chat));
  }

  /** Deletes a complete chat (one being imported is its importer's to finish or remove). */
  async delete(userId: string, id: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('chats')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('import_lease_until', 'is', null)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  // ---- imports ----

  /** Whether the user's chat with this id is still being imported. */
  async isImporting(userId: string, id: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('chats')
      .select('id')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('import_lease_until', 'is not', null)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The lease of the user's chat being imported from this source, if one is. */
  async importLeaseOfSource(userId: string, sourceKey: string): Promise<{ id: string; leaseUntil: number } | undefined> {
    const row = await this.#db
      .selectFrom('chats')
      .select(['id', 'import_lease_until'])
      .where('user_id', '=', userId)
      .where('source_key', '=', sourceKey)
      .where('import_lease_until', 'is not', null)
      .executeTakeFirst();
    return row && { id: row.id, leaseUntil: Number(row.import_lease_until) };
  }

  /**
   * Moves an importing chat's lease, taking its row lock for the rest of the transaction (so no sweep removes it
   * meanwhile); false when it is gone: removed as abandoned, or with its character.
   */
  async renewImportLease(id: string, leaseUntil: number): Promise<boolean> {
    const result = await this.#db.executeQuery(this.renewImportLeaseQuery(id, leaseUntil));
    return Number(result.numAffectedRows) > 0;
  }

  /** renewImportLease's statement, to run with others (an import's batch: Store.relaxedWrites); changes no row when the chat is gone. */
  renewImportLeaseQuery(id: string, leaseUntil: number): CompiledQuery {
    return this.#db
      .updateTable('chats')
      .set({ import_lease_until: leaseUntil })
      .where('id', '=', id)
      .where('import_lease_until', 'is not', null)
      .compile();
  }

  /** Ends an import: the header written and the lease cleared at once; false when the chat is gone. */
  async finishImport(chat: ChatRecord): Promise<boolean> {
    const result = await this.#db
      .updateTable('chats')
      .set({
        revision: chat.revision,
        message_count: chat.messageCount,
        next_seq: chat.nextSeq,
        updated_at: chat.updatedAt,
        import_lease_until: null,
      })
      .where('id', '=', chat.id)
      .where('import_lease_until', 'is not', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /** Removes an importing chat (an import that failed). */
  async deleteImporting(id: string): Promise<void> {
    await this.#db.deleteFrom('chats').where('id', '=', id).where('import_lease_until', 'is not', null).execute();
  }

  /** Removes up to `limit` importing chats whose lease ran out before `before`; their ids. */
  async deleteAbandonedImports(before: number, limit: number): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('chats')
      .select('id')
      .where('import_lease_until', '<', before)
      .limit(limit)
      .execute();
    const removed: string[] = [];
    for (const { id } of rows) {
      // Checked again by the delete itself: an importer that renewed meanwhile keeps its chat.
      const result = await this.#db.deleteFrom('chats').where('id', '=', id).where('import_lease_until', '<', before).executeTakeFirst();
      if (Number(result.numDeletedRows) > 0) removed.push(id);
    }
    return removed;
  }

  // ---- messages ----

  async insertMessages(chatId: string, messages: readonly MessageRecord[]): Promise<void> {
    for (const query of this.insertMessagesQueries(chatId, messages)) await this.#db.executeQuery(query);
  }

  /** insertMessages's statements, to run with others (an import's batch: Store.relaxedWrites). */
  insertMessagesQueries(chatId: string, messages: readonly MessageRecord[]): CompiledQuery[] {
    const queries: CompiledQuery[] = [];
    for (let i = 0; i < messages.length; i += INSERT_CHUNK) {
      const chunk = messages.slice(i, i + INSERT_CHUNK);
      if (chunk.length === INSERT_CHUNK) {
        const values: unknown[] = [];
        for (const m of chunk) {
          const row = toMessageRow(chatId, m);
          for (const column of MESSAGE_COLUMNS) values.push(row[column]);
        }
        queries.push(insertMessageChunk(this.#db, values));
      } else {
        queries.push(this.#db.insertInto('messages').values(chunk.map((m) => toMessageRow(chatId, m))).compile());
      }
    }
    return queries;
  }

  /**
   * Inserts one message unless the chat already holds one with its id (the id is an idempotency key), in one
   * statement: true when inserted.
   */
  async insertMessageIfNew(chatId: string, message: MessageRecord): Promise<boolean> {
    return (await insertMessageIfNew(this.#db, toMessageRow(chatId, message))).length > 0;
  }

  /**
   * insertMessageIfNew, and when it inserts, saveHeader(chat) too (the header as the message leaves it): one
   * statement on PostgreSQL; SQLite runs the two (a statement there is no round trip).
   */
  async insertMessageSavingHeader(chat: ChatRecord, message: MessageRecord): Promise<boolean> {
    const row = toMessageRow(chat.id, message);
    if (this.#db.getExecutor().adapter instanceof PostgresAdapter) {
      const h = toHeaderRow(chat);
      const inserted = await insertMessageSavingHeader(this.#db, {
        ...row,
        header_title: h.title,
        header_revision: h.revision,
        header_message_count: h.message_count,
        header_next_seq: h.next_seq,
        header_metadata_json: h.metadata_json,
        header_persona_id: h.persona_id,
        header_updated_at: h.updated_at,
      });
      return inserted.length > 0;
    }
    if ((await insertMessageIfNew(this.#db, row)).length === 0) return false;
    await this.saveHeader(chat);
    return true;
  }

  async message(chatId: string, id: string): Promise<MessageRecord | undefined> {
    const row = await this.#db
      .selectFrom('messages')
      .select(MESSAGE_COLUMNS)
      .where('chat_id', '=', chatId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toMessage(row);
  }

  /** Whether any message of the chat has this role. */
  async hasMessageFrom(chatId: string, role: MessageRecord['role']): Promise<boolean> {
    const row = await this.#db
      .selectFrom('messages')
      .select('seq')
      .where('chat_id', '=', chatId)
      .where('role', '=', role)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async lastMessage(chatId: string): Promise<MessageRecord | undefined> {
    const [row] = await lastMessageOf(this.#db, { chatId });
    return row && toMessage(row);
  }

  /** Up to `limit` messages before `before` (or the newest), returned oldest first. */
  async page(chatId: string, limit: number, before?: number): Promise<MessageRecord[]> {
    let query = this.#db.selectFrom('messages').select(MESSAGE_COLUMNS).where('chat_id', '=', chatId);
    if (before !== undefined) query = query.where('seq', '<', before);
    const rows = await query.orderBy('seq', 'desc').limit(limit).execute();
    return rows.reverse().map(toMessage);
  }

  /**
   * The newest `limit` messages as a prompt reads them, oldest first: without their swipes (`swipes` is empty) and
   * imported keys, which a prompt never reads and which in a chat of long swipes are most of what page() reads and
   * parses on the way to every first token.
   */
  async promptPage(chatId: string, limit: number): Promise<MessageRecord[]> {
    const rows = await promptPageOf(this.#db, { chatId, limit });
    return rows.reverse().map((row) => toMessage({ ...row, swipes_json: null, imported_json: null }));
  }

  /** How many of the chat's messages the user wrote (the Author's Note's frequency counts them, as SillyTavern does). */
  /** Messages after seq `seq` that the prompt reads (not hidden): a message's depth, as regex scripts count it. */
  async countShownAfter(chatId: string, seq: number): Promise<number> {
    const row = await this.#db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('chat_id', '=', chatId)
      .where('seq', '>', seq)
      .where('hidden', '=', 0)
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  async countUserMessages(chatId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('chat_id', '=', chatId)
      .where('role', '=', 'user')
      .executeTakeFirst();
    return Number(row?.count ?? 0);
  }

  /** Up to `limit` messages after seq `after`, oldest first. */
  async pageAfter(chatId: string, limit: number, after: number): Promise<MessageRecord[]> {
    const rows = await this.#db
      .selectFrom('messages')
      .select(MESSAGE_COLUMNS)
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
        .select(MESSAGE_COLUMNS)
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
    changes: Partial<Pick<MessageRecord, 'content' | 'swipes' | 'swipeIndex' | 'status' | 'revision' | 'extra' | 'hidden'>>,
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
        ...(changes.hidden !== undefined && { hidden: changes.hidden ? 1 : 0 }),
      })
      .where('chat_id', '=', chatId)
      .where('seq', '=', seq);
    if (expectedRevision !== undefined) query = query.where('revision', '=', expectedRevision);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  /**
   * Writes a reply's text into its message (a generation's start and progress), if the message is still at
   * `expectedRevision`; false when someone else changed it meanwhile.
   */
  async writeReply(chatId: string, seq: number, reply: ReplyWrite, expectedRevision: number): Promise<boolean> {
    const rows = await writeReplyTo(this.#db, {
      chatId,
      seq,
      expectedRevision,
      content: reply.content,
      swipes: reply.swipes.length > 0 ? JSON.stringify(reply.swipes) : null,
      swipeIndex: reply.swipeIndex,
      extra: JSON.stringify(reply.extra),
      status: reply.status,
      revision: reply.revision,
    });
    return rows.length > 0;
  }

  async deleteMessage(chatId: string, seq: number): Promise<void> {
    await this.#db.deleteFrom('messages').where('chat_id', '=', chatId).where('seq', '=', seq).execute();
  }

  async setBookmark(chatId: string, seq: number, at: number | null): Promise<void> {
    await this.#db.updateTable('messages').set({ bookmarked_at: at }).where('chat_id', '=', chatId).where('seq', '=', seq).execute();
  }

  /** The user's bookmarked messages in chats in use, newest bookmark first. */
  async bookmarks(userId: string, limit: number): Promise<{ chat: { id: string; title: string; characterId: string | null }; message: MessageRecord }[]> {
    const rows = await this.#db
      .selectFrom('messages')
      .innerJoin('chats', 'chats.id', 'messages.chat_id')
      .select(MESSAGE_COLUMNS.map((column) => `messages.${column}` as const))
      .select(['chats.title as chat_title', 'chats.character_id as chat_character_id'])
      .where('messages.bookmarked_at', 'is not', null)
      .where('chats.user_id', '=', userId)
      .where('chats.trash_id', 'is', null)
      .orderBy('messages.bookmarked_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      chat: { id: row.chat_id, title: row.chat_title, characterId: row.chat_character_id },
      message: toMessage(row),
    }));
  }
}
