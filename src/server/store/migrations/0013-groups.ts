import { sql, type Kysely } from 'kysely';
import { isPostgres } from './column-types.js';

/**
 * Group chats. A group is a row of its own (members, muted members, speaker strategy, scenario and system prompt
 * overrides, favourite, tags); a group chat is a chat whose owner is a group instead of a character, so `chats`
 * gains `group_id` and its `character_id` may be null (exactly one of the two is set). A reply in a group names the
 * member who spoke (`messages.speaker_id`, a character id; null in a 1:1 chat and for the user's messages).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) {
    // Kysely runs a PostgreSQL migration in one transaction: it lands whole or not at all.
    await createGroups(db);
    await db.schema.alterTable('messages').addColumn('speaker_id', 'text').execute();
    await db.schema.alterTable('trashed_messages').addColumn('speaker_id', 'text').execute();
    await db.schema.alterTable('chats').alterColumn('character_id', (c) => c.dropNotNull()).execute();
    await db.schema.alterTable('chats').addColumn('group_id', 'text', (c) => c.references('groups.id').onDelete('cascade')).execute();
    await db.schema.createIndex('chats_group').on('chats').columns(['group_id', 'updated_at']).execute();
    return;
  }
  await upSqlite(db);
}

async function createGroups(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('groups')
    .ifNotExists()
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    // [{characterId, name, avatarKey, muted}] in speaking order; a deleted character keeps its name here.
    .addColumn('members_json', 'text', (c) => c.notNull())
    .addColumn('settings_json', 'text', (c) => c.notNull())
    .addColumn('tags_json', 'text', (c) => c.notNull())
    .addColumn('favourite', 'integer', (c) => c.notNull())
    .addColumn('avatar_hash', 'text', (c) => c.references('blobs.hash'))
    .addColumn('imported_json', 'text')
    .addColumn('source_key', 'text')
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('groups_user').ifNotExists().on('groups').columns(['user_id', 'name']).execute();
  await db.schema.createIndex('groups_source').ifNotExists().on('groups').columns(['user_id', 'source_key']).unique().execute();
}

/**
 * SQLite runs migrations outside a transaction, so this one makes its own: a crash leaves the database as it was
 * before, or done. Each step also looks before it acts, so a run stopped after its commit (before Kysely recorded
 * it) runs again cleanly.
 */
async function upSqlite(db: Kysely<unknown>): Promise<void> {
  // Off before the transaction (the pragma does nothing inside one), or dropping the old chats table would delete
  // every message through the cascade.
  await sql`PRAGMA foreign_keys = OFF`.execute(db);
  const { rows } = await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(db);
  if (rows[0]?.foreign_keys !== 0) throw new Error('foreign keys could not be turned off to rebuild chats');
  try {
    await db.transaction().execute(async (trx) => {
      await createGroups(trx);
      if (!(await hasColumn(trx, 'messages', 'speaker_id'))) await trx.schema.alterTable('messages').addColumn('speaker_id', 'text').execute();
      // A message in the trash keeps every column of its row (migration 0011), the speaker too.
      if (!(await hasColumn(trx, 'trashed_messages', 'speaker_id'))) await trx.schema.alterTable('trashed_messages').addColumn('speaker_id', 'text').execute();
      if (!(await hasColumn(trx, 'chats', 'group_id'))) await rebuildSqliteChats(trx);
      await trx.schema.createIndex('chats_group').ifNotExists().on('chats').columns(['group_id', 'updated_at']).execute();
      const broken = await sql`PRAGMA foreign_key_check`.execute(trx);
      if (broken.rows.length > 0) throw new Error(`rebuilding chats broke ${broken.rows.length} references`);
    });
  } finally {
    await sql`PRAGMA foreign_keys = ON`.execute(db);
  }
}

async function hasColumn(db: Kysely<unknown>, table: string, column: string): Promise<boolean> {
  const { rows } = await sql<{ name: string }>`SELECT name FROM pragma_table_info(${table})`.execute(db);
  return rows.some((row) => row.name === column);
}

/**
 * SQLite cannot drop a NOT NULL: `chats` is copied into a new table (SQLite's documented 12-step procedure). The
 * new table is the old one's own definition with `character_id` nullable, so every column earlier migrations added
 * (import leases, trash, branches) comes along, and so do the table's indexes and triggers.
 */
async function rebuildSqliteChats(db: Kysely<unknown>): Promise<void> {
  const definition = await sql<{ sql: string }>`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'chats'`.execute(db);
  const dependents = await sql<{ sql: string }>`
    SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name = 'chats' AND sql IS NOT NULL`.execute(db);
  const columns = (await sql<{ name: string }>`SELECT name FROM pragma_table_info('chats')`.execute(db)).rows.map((row) => `"${row.name}"`);
  const original = definition.rows[0]?.sql ?? '';
  const created = original
    .replace(/^create table\s+"?chats"?/i, 'CREATE TABLE "chats_new"')
    .replace(/("?character_id"?\s+text)\s+not null/i, '$1');
  if (created === original || /"?character_id"?\s+text\s+not null/i.test(created)) {
    throw new Error('chats could not be rebuilt: its definition is not the expected one');
  }
  await sql.raw(created).execute(db);
  await sql`ALTER TABLE chats_new ADD COLUMN group_id text REFERENCES groups(id) ON DELETE CASCADE`.execute(db);
  const list = columns.join(', ');
  await sql.raw(`INSERT INTO chats_new (${list}) SELECT ${list} FROM chats`).execute(db);
  await sql`DROP TABLE chats`.execute(db);
  await sql`ALTER TABLE chats_new RENAME TO chats`.execute(db);
  for (const { sql: statement } of dependents.rows) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('chats_group').execute();
  await sql`DELETE FROM chats WHERE group_id IS NOT NULL`.execute(db);
  await db.schema.alterTable('chats').dropColumn('group_id').execute();
  await db.schema.alterTable('messages').dropColumn('speaker_id').execute();
  await db.schema.alterTable('trashed_messages').dropColumn('speaker_id').execute();
  await db.schema.dropTable('groups').execute();
}
