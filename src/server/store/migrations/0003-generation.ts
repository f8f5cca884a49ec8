import type { Kysely } from 'kysely';

/** Connection profiles to LLM backends, and generations: the one running per chat and the last prompt sent. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('connections')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('api', 'text', (c) => c.notNull())
    .addColumn('base_url', 'text', (c) => c.notNull())
    // Kept server-side only: views carry a masked hint, never the key.
    .addColumn('api_key', 'text')
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('instruct_template', 'text')
    .addColumn('settings_json', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('connections_pk', ['user_id', 'id'])
    .execute();

  // A chat keeps its running generation and its latest finished one (whose prompt GET /api/chats/:id/prompt shows);
  // older rows are pruned when a new generation starts.
  await db.schema
    .createTable('generations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('chat_id', 'text', (c) => c.notNull().references('chats.id').onDelete('cascade'))
    // null for an impersonation, which writes into the composer and not into the chat.
    .addColumn('message_id', 'text')
    .addColumn('mode', 'text', (c) => c.notNull())
    // Where the text goes: a new message, a new swipe, the end of a message (continue), or the composer.
    .addColumn('slot', 'text', (c) => c.notNull())
    // The target message's fields before the generation, to undo it when nothing was produced.
    .addColumn('undo_json', 'text')
    .addColumn('state', 'text', (c) => c.notNull())
    // The text produced so far, written with the message as it streams: what a re-attach replays.
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('error_message', 'text')
    .addColumn('failure', 'text')
    .addColumn('stop_requested', 'integer', (c) => c.notNull())
    .addColumn('inspection_json', 'text', (c) => c.notNull())
    // Moved by the node running it; a running row whose heartbeat is stale was left by a node that died.
    .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema.createIndex('generations_chat').on('generations').columns(['chat_id', 'state']).execute();
  await db.schema.createIndex('generations_state').on('generations').columns(['state', 'heartbeat_at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('generations').execute();
  await db.schema.dropTable('connections').execute();
}
