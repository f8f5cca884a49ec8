import { sql, type Kysely } from 'kysely';

/**
 * History without fear: branches (a chat's parent, the seq it forks at, the root of its tree), the trash (deleted
 * chats, characters and books stay in their tables marked by the trash entry that holds them; a deleted message moves
 * to `trashed_messages` with every column), the undo steps of each chat, and bookmarks on messages.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('trash')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('item_id', 'text', (c) => c.notNull())
    // The chat a trashed message or chat belongs to: purging the chat takes its entries with it.
    .addColumn('chat_id', 'text', (c) => c.references('chats.id').onDelete('cascade'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('trash_user').on('trash').columns(['user_id', 'deleted_at']).execute();
  await db.schema.createIndex('trash_expiry').on('trash').columns(['expires_at']).execute();

  for (const table of ['chats', 'characters', 'worlds']) {
    await db.schema.alterTable(table).addColumn('trash_id', 'text').execute();
  }
  await db.schema.alterTable('chats').addColumn('parent_chat_id', 'text').execute();
  await db.schema.alterTable('chats').addColumn('fork_seq', 'integer').execute();
  await db.schema.alterTable('chats').addColumn('root_chat_id', 'text').execute();
  await sql`UPDATE chats SET root_chat_id = id`.execute(db);
  await db.schema.createIndex('chats_family').on('chats').columns(['user_id', 'root_chat_id']).execute();
  await db.schema.createIndex('chats_parent').on('chats').columns(['parent_chat_id', 'fork_seq']).execute();

  await db.schema.alterTable('messages').addColumn('bookmarked_at', 'bigint').execute();
  await db.schema.createIndex('messages_bookmarked').on('messages').columns(['bookmarked_at']).where(sql.ref('bookmarked_at'), 'is not', null).execute();

  await db.schema
    .createTable('trashed_messages')
    .addColumn('trash_id', 'text', (c) => c.primaryKey().references('trash.id').onDelete('cascade'))
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('swipes_json', 'text')
    .addColumn('swipe_index', 'integer', (c) => c.notNull())
    .addColumn('extra_json', 'text')
    .addColumn('imported_json', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('hidden', 'integer', (c) => c.notNull())
    .addColumn('bookmarked_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  // One row per undoable op applied to a chat, newest step last; `undone_by` names the undo op that took it back.
  await db.schema
    .createTable('chat_undo')
    .addColumn('chat_id', 'text', (c) => c.notNull().references('chats.id').onDelete('cascade'))
    .addColumn('step', 'integer', (c) => c.notNull())
    .addColumn('op_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('undo_json', 'text', (c) => c.notNull())
    .addColumn('undone_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('chat_undo_pk', ['chat_id', 'step'])
    .execute();
  await db.schema.createIndex('chat_undo_op').on('chat_undo').columns(['chat_id', 'op_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('chat_undo').execute();
  await db.schema.dropTable('trashed_messages').execute();
  await db.schema.dropIndex('messages_bookmarked').execute();
  await db.schema.alterTable('messages').dropColumn('bookmarked_at').execute();
  await db.schema.dropIndex('chats_parent').execute();
  await db.schema.dropIndex('chats_family').execute();
  for (const column of ['root_chat_id', 'fork_seq', 'parent_chat_id', 'trash_id']) {
    await db.schema.alterTable('chats').dropColumn(column).execute();
  }
  await db.schema.alterTable('characters').dropColumn('trash_id').execute();
  await db.schema.alterTable('worlds').dropColumn('trash_id').execute();
  await db.schema.dropTable('trash').execute();
}
