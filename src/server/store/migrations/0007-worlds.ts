import type { Kysely } from 'kysely';

/**
 * World-info books (SillyTavern's worlds/*.json): a row per book and a row per entry, so an edit to one entry of
 * a 50,000-entry book writes one row. Entries keep their JSON as it came, unknown keys included.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('worlds')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    // The file's top-level object with "entries" emptied: its other keys, in their order.
    .addColumn('head_json', 'text', (c) => c.notNull())
    // The imported file as it came, given back by export until the first edit: byte for byte.
    .addColumn('source_text', 'text')
    .addColumn('entry_count', 'integer', (c) => c.notNull())
    .addColumn('next_position', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('worlds_pk', ['user_id', 'id'])
    .addUniqueConstraint('worlds_name', ['user_id', 'name'])
    .execute();

  await db.schema
    .createTable('world_entries')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('world_id', 'text', (c) => c.notNull())
    // The entry's key in the file's "entries" object.
    .addColumn('uid', 'text', (c) => c.notNull())
    // Where the key stands in the file, for an export in the file's order.
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('entry_json', 'text', (c) => c.notNull())
    // The content's token count (the estimate tokenizer), for the editor.
    .addColumn('tokens', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('world_entries_pk', ['user_id', 'world_id', 'uid'])
    .addForeignKeyConstraint('world_entries_world', ['user_id', 'world_id'], 'worlds', ['user_id', 'id'], (fk) => fk.onDelete('cascade'))
    .execute();
  await db.schema.createIndex('world_entries_order').on('world_entries').columns(['user_id', 'world_id', 'position']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('world_entries').execute();
  await db.schema.dropTable('worlds').execute();
}
