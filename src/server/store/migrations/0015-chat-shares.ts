import type { Kysely } from 'kysely';

/**
 * Several people in one chat: the owner shares a chat with other accounts of the server, to read or to write.
 * A share goes when the chat or either account goes. `generations.started_by` names who started a reply, so a
 * second participant's 409 can say who is generating.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('chat_shares')
    .addColumn('chat_id', 'text', (c) => c.notNull().references('chats.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('access', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('chat_shares_pk', ['chat_id', 'user_id'])
    .execute();
  // A participant's list of the chats shared with them.
  await db.schema.createIndex('chat_shares_user').on('chat_shares').columns(['user_id', 'chat_id']).execute();
  await db.schema.alterTable('generations').addColumn('started_by', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('generations').dropColumn('started_by').execute();
  await db.schema.dropTable('chat_shares').execute();
}
