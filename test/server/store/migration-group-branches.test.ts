import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DIALECTS, freshMigrator } from '../../support/test-databases.js';

const now = 1_700_000_000_000;

/** Chats as migration 0016 left them: id, then what differs from a plain chat. */
const CHATS: Array<[string, { character_id?: string; group_id?: string; trash_id?: string; parent_chat_id?: string; root_chat_id?: string }]> = [
  ['root-in-use', { group_id: 'g-in-use' }],
  ['branch-of-group', { parent_chat_id: 'root-in-use', root_chat_id: 'root-in-use' }],
  ['branch-of-branch', { parent_chat_id: 'branch-of-group', root_chat_id: 'root-in-use' }],
  ['branch-in-own-trash', { parent_chat_id: 'root-in-use', root_chat_id: 'root-in-use', trash_id: 't-own' }],
  ['root-trashed', { group_id: 'g-trashed', trash_id: 't-group' }],
  ['branch-of-trashed-group', { parent_chat_id: 'root-trashed', root_chat_id: 'root-trashed' }],
  ['root-character', { character_id: 'c' }],
  ['branch-of-character', { character_id: 'c', parent_chat_id: 'root-character', root_chat_id: 'root-character' }],
  ['root-gone-branch', { parent_chat_id: 'gone', root_chat_id: 'gone' }],
];

/** What each chat holds after migration 0017: [group_id, trash_id]. */
const EXPECTED: Record<string, [string | null, string | null]> = {
  'root-in-use': ['g-in-use', null],
  'branch-of-group': ['g-in-use', null],
  'branch-of-branch': ['g-in-use', null],
  'branch-in-own-trash': ['g-in-use', 't-own'],
  'root-trashed': ['g-trashed', 't-group'],
  'branch-of-trashed-group': ['g-trashed', 't-group'],
  'root-character': [null, null],
  'branch-of-character': [null, null],
  'root-gone-branch': [null, null],
};

for (const dialect of DIALECTS) {
  describe(`migration 0017 on ${dialect}`, () => {
    test("a group chat's branch made without its group takes its root's group, and its trash mark when the group is in the trash", async (t) => {
      const fresh = await freshMigrator(t, dialect);
      if (!fresh) return;
      const { db, migrator } = fresh;
      assert.equal((await migrator.migrateTo('0016-search-by-date')).error, undefined);
      await db.insertInto('users').values({ id: 'u', handle: 'u', name: 'U', password_hash: null, admin: 1, created_at: now, updated_at: now }).execute();
      await db
        .insertInto('characters')
        .values({ id: 'c', user_id: 'u', name: 'C', card_json: '{}', tags_json: '[]', creator: '', avatar_hash: null, thumbnail_hash: null, source_key: null, created_at: now, updated_at: now })
        .execute();
      for (const [id, trash_id] of [['g-in-use', null], ['g-trashed', 't-group']] as const) {
        await db
          .insertInto('groups')
          .values({ id, user_id: 'u', name: id, members_json: '[]', settings_json: '{}', tags_json: '[]', favourite: 0, avatar_hash: null, imported_json: null, source_key: null, revision: 1, created_at: now, updated_at: now, trash_id })
          .execute();
      }
      for (const [id, fields] of CHATS) {
        await db
          .insertInto('chats')
          .values({ id, user_id: 'u', title: id, revision: 1, message_count: 0, next_seq: 0, metadata_json: '{}', created_at: now, updated_at: now, root_chat_id: id, ...fields })
          .execute();
      }

      assert.equal((await migrator.migrateToLatest()).error, undefined);

      const rows = await db.selectFrom('chats').select(['id', 'group_id', 'trash_id', 'character_id']).execute();
      assert.deepEqual(Object.fromEntries(rows.map((r) => [r.id, [r.group_id, r.trash_id]])), EXPECTED);
      assert.equal(rows.find((r) => r.id === 'branch-of-character')!.character_id, 'c');
    });
  });
}
