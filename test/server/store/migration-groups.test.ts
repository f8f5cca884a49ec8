import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Kysely, Migrator, sql } from 'kysely';
import { migrations } from '../../../src/server/store/migrations/index.js';
import { sqliteDialect } from '../../../src/server/store/sqlite-dialect.js';
import { DIALECTS, freshDatabase, freshMigrator } from '../../support/test-databases.js';

/**
 * Migration 0013 lets a chat belong to a group: on SQLite that copies the chats table, which must keep every chat,
 * every message (the cascade must not fire while the old table is dropped) and every reference.
 */
for (const dialect of DIALECTS) {
  describe(`migration 0013 on ${dialect}`, () => {
    test('keeps chats and their messages; a chat may then name a group instead of a character', async (t) => {
      const fresh = await freshMigrator(t, dialect);
      if (!fresh) return;
      const { db, migrator } = fresh;
      assert.equal((await migrator.migrateTo('0007-worlds')).error, undefined);
      const now = 1_700_000_000_000;
      await db.insertInto('users').values({ id: 'u', handle: 'u', name: 'U', password_hash: null, admin: 1, created_at: now, updated_at: now }).execute();
      await db
        .insertInto('characters')
        .values({ id: 'c', user_id: 'u', name: 'C', card_json: '{}', tags_json: '[]', creator: '', avatar_hash: null, thumbnail_hash: null, source_key: null, created_at: now, updated_at: now })
        .execute();
      await db
        .insertInto('chats')
        .values({ id: 'chat', user_id: 'u', character_id: 'c', title: 'T', revision: 2, message_count: 2, next_seq: 2, metadata_json: '{"a":1}', imported_json: null, source_key: 'k', persona_id: 'p', created_at: now, updated_at: now + 1 })
        .execute();
      for (const seq of [0, 1]) {
        await db
          .insertInto('messages')
          .values({ chat_id: 'chat', seq, id: `m${seq}`, role: 'user', name: 'U', content: `hi ${seq}`, swipes_json: null, swipe_index: 0, extra_json: null, imported_json: null, status: 'complete', revision: 1, created_at: now })
          .execute();
      }

      assert.equal((await migrator.migrateToLatest()).error, undefined);

      const chat = await db.selectFrom('chats').selectAll().where('id', '=', 'chat').executeTakeFirstOrThrow();
      assert.deepEqual(
        { ...chat, created_at: Number(chat.created_at), updated_at: Number(chat.updated_at) },
        // The columns earlier migrations added (import leases, trash, branches) come through the copy too.
        { id: 'chat', user_id: 'u', character_id: 'c', group_id: null, title: 'T', revision: 2, message_count: 2, next_seq: 2, metadata_json: '{"a":1}', imported_json: null, source_key: 'k', persona_id: 'p', created_at: now, updated_at: now + 1, import_lease_until: null, trash_id: null, parent_chat_id: null, fork_seq: null, root_chat_id: 'chat' },
      );
      const messages = await db.selectFrom('messages').select(['seq', 'content', 'speaker_id']).where('chat_id', '=', 'chat').orderBy('seq').execute();
      assert.deepEqual(messages, [{ seq: 0, content: 'hi 0', speaker_id: null }, { seq: 1, content: 'hi 1', speaker_id: null }]);

      await db
        .insertInto('groups')
        .values({ id: 'g', user_id: 'u', name: 'G', members_json: '[]', settings_json: '{}', tags_json: '[]', favourite: 0, avatar_hash: null, imported_json: null, source_key: null, revision: 1, created_at: now, updated_at: now })
        .execute();
      await db
        .insertInto('chats')
        .values({ id: 'gchat', user_id: 'u', character_id: null, group_id: 'g', title: 'G', revision: 0, message_count: 0, next_seq: 0, metadata_json: '{}', imported_json: null, source_key: null, persona_id: null, created_at: now, updated_at: now })
        .execute();
      // The references still hold after the copy: deleting the character takes its chat and messages, the group's stays.
      await db.deleteFrom('characters').where('id', '=', 'c').execute();
      assert.equal((await db.selectFrom('messages').select('seq').where('chat_id', '=', 'chat').execute()).length, 0);
      assert.deepEqual((await db.selectFrom('chats').select('id').execute()).map((r) => r.id), ['gchat']);
      await db.deleteFrom('groups').where('id', '=', 'g').execute();
      assert.equal((await db.selectFrom('chats').select('id').execute()).length, 0);
    });
  });
}

describe('migration 0013 on SQLite, stopped midway', () => {
  const open = async () => {
    const database = await freshDatabase('sqlite');
    const db = new Kysely<any>({ dialect: sqliteDialect(database.database.kind === 'sqlite' ? database.database.file : '').kysely });
    const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
    return { database, db, migrator };
  };

  test('a failure inside it leaves the database as it was: no half-copied chats, no groups table', async () => {
    const { database, db, migrator } = await open();
    try {
      assert.equal((await migrator.migrateTo('0007-worlds')).error, undefined);
      // A message whose chat does not exist (written with foreign keys off): the final reference check fails.
      await sql`PRAGMA foreign_keys = OFF`.execute(db);
      await db
        .insertInto('messages')
        .values({ chat_id: 'ghost', seq: 0, id: 'm', role: 'user', name: 'U', content: 'x', swipes_json: null, swipe_index: 0, extra_json: null, imported_json: null, status: 'complete', revision: 1, created_at: 1 })
        .execute();
      await sql`PRAGMA foreign_keys = ON`.execute(db);
      const { error } = await migrator.migrateToLatest();
      assert.match(String((error as Error)?.message), /broke 1 references/);
      const tables = (await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`.execute(db)).rows.map((r) => r.name);
      assert.ok(tables.includes('chats') && !tables.includes('groups') && !tables.includes('chats_new'), tables.join(', '));
      const columns = (await sql<{ name: string }>`SELECT name FROM pragma_table_info('messages')`.execute(db)).rows.map((r) => r.name);
      assert.ok(!columns.includes('speaker_id'));
      assert.equal((await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(db)).rows[0]!.foreign_keys, 1, 'foreign keys are back on');
    } finally {
      await db.destroy();
      await database.dispose();
    }
  });

  test('run again after its commit but before Kysely recorded it, it finishes cleanly', async () => {
    const { database, db, migrator } = await open();
    try {
      // Up to 0013 only: Kysely refuses a gap before a later migration it recorded.
      assert.equal((await migrator.migrateTo('0013-groups')).error, undefined);
      await db.deleteFrom('kysely_migration').where('name', '=', '0013-groups').execute();
      assert.equal((await migrator.migrateTo('0013-groups')).error, undefined);
      const columns = (await sql<{ name: string }>`SELECT name FROM pragma_table_info('chats')`.execute(db)).rows.map((r) => r.name);
      assert.equal(columns.filter((c) => c === 'group_id').length, 1);
    } finally {
      await db.destroy();
      await database.dispose();
    }
  });
});

