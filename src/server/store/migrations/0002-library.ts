import type { Kysely } from 'kysely';
import { binaryType } from './column-types.js';

/** Characters, chats stored message by message, settings, personas, content-addressed images, applied op ids. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('blobs')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('bytes', binaryType(db), (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('characters')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('card_json', 'text', (c) => c.notNull())
    .addColumn('tags_json', 'text', (c) => c.notNull())
    .addColumn('creator', 'text', (c) => c.notNull())
    .addColumn('avatar_hash', 'text', (c) => c.references('blobs.hash'))
    .addColumn('thumbnail_hash', 'text', (c) => c.references('blobs.hash'))
    // Where an import came from (e.g. a SillyTavern file name): re-running an import finds it again.
    .addColumn('source_key', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('characters_user').on('characters').columns(['user_id', 'name']).execute();
  await db.schema
    .createIndex('characters_source')
    .on('characters')
    .columns(['user_id', 'source_key'])
    .unique()
    .execute();

  await db.schema
    .createTable('chats')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('character_id', 'text', (c) => c.notNull().references('characters.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('message_count', 'integer', (c) => c.notNull())
    .addColumn('next_seq', 'integer', (c) => c.notNull())
    .addColumn('metadata_json', 'text', (c) => c.notNull())
    .addColumn('imported_json', 'text')
    .addColumn('source_key', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('chats_character').on('chats').columns(['character_id', 'updated_at']).execute();
  await db.schema.createIndex('chats_user').on('chats').columns(['user_id', 'updated_at']).execute();
  await db.schema.createIndex('chats_source').on('chats').columns(['user_id', 'source_key']).unique().execute();

  await db.schema
    .createTable('messages')
    .addColumn('chat_id', 'text', (c) => c.notNull().references('chats.id').onDelete('cascade'))
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
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('messages_pk', ['chat_id', 'seq'])
    .execute();
  await db.schema.createIndex('messages_id').on('messages').columns(['chat_id', 'id']).unique().execute();

  // Every applied op id, per scope ("chat:<id>", "settings:<user>", "persona:<user>"): a retry is a no-op.
  await db.schema
    .createTable('applied_ops')
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('op_id', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('applied_ops_pk', ['scope', 'op_id'])
    .execute();

  await db.schema
    .createTable('settings')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('values_json', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('personas')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull())
    .addColumn('avatar_hash', 'text', (c) => c.references('blobs.hash'))
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('personas_pk', ['user_id', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['personas', 'settings', 'applied_ops', 'messages', 'chats', 'characters', 'blobs']) {
    await db.schema.dropTable(table).execute();
  }
}
