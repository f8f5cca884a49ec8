import type { Kysely } from 'kysely';

/** A generation's reasoning as it streams (for re-attach on another node and recovery after a crash), and the
 *  token usage of every reply, kept apart from the messages so that deleting or swiping a reply keeps what it cost. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('generations')
    .addColumn('reasoning', 'text', (c) => c.notNull().defaultTo(''))
    .execute();

  await db.schema
    .createTable('usage')
    // The generation's id: one row per reply (or impersonation) that reported its tokens.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // Neither references its table: usage outlives a deleted chat or connection.
    .addColumn('connection_id', 'text', (c) => c.notNull())
    .addColumn('chat_id', 'text', (c) => c.notNull())
    .addColumn('api', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('prompt_tokens', 'bigint', (c) => c.notNull())
    .addColumn('completion_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cache_read_tokens', 'bigint', (c) => c.notNull())
    .addColumn('cache_write_tokens', 'bigint', (c) => c.notNull())
    .addColumn('reasoning_tokens', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('usage_user_time').on('usage').columns(['user_id', 'created_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('usage').execute();
  await db.schema.alterTable('generations').dropColumn('reasoning').execute();
}
