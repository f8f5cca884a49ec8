import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DIALECTS, freshMigrator } from '../../support/test-databases.js';

/** Chats from before 0011 become the roots of their own trees, in use (not in the trash), messages unbookmarked; down undoes it. */
for (const dialect of DIALECTS) {
  describe(`migration 0011 on ${dialect}`, () => {
    test('existing chats are roots of their own trees and nothing is in the trash; down and up again', async (t) => {
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
      for (const id of ['a', 'b']) {
        await db
          .insertInto('chats')
          .values({ id, user_id: 'u', character_id: 'c', title: id, revision: 1, message_count: 1, next_seq: 1, metadata_json: '{}', imported_json: null, source_key: null, created_at: now, updated_at: now })
          .execute();
        await db
          .insertInto('messages')
          .values({ chat_id: id, seq: 0, id: 'm', role: 'user', name: 'n', content: 'x', swipes_json: null, swipe_index: 0, extra_json: null, imported_json: null, status: 'complete', revision: 1, created_at: now })
          .execute();
      }

      assert.equal((await migrator.migrateToLatest()).error, undefined);
      const chats = await db.selectFrom('chats').select(['id', 'root_chat_id', 'parent_chat_id', 'fork_seq', 'trash_id']).orderBy('id').execute();
      assert.deepEqual(chats.map((c) => [c.id, c.root_chat_id, c.parent_chat_id, c.fork_seq, c.trash_id]), [
        ['a', 'a', null, null, null],
        ['b', 'b', null, null, null],
      ]);
      const marks = await db.selectFrom('messages').select('bookmarked_at').execute();
      assert.deepEqual(marks.map((m) => m.bookmarked_at), [null, null]);

      assert.equal((await migrator.migrateTo('0007-worlds')).error, undefined, 'down');
      assert.equal((await migrator.migrateToLatest()).error, undefined, 'and up again');
    });
  });
}
