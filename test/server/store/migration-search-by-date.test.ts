import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { freshMigrator } from '../../support/test-databases.js';

/**
 * Migration 0016 on PostgreSQL: the search vector stops being generated but stays what it was, and triggers keep
 * them: computed on insert unless given (a branch's copy gives its parent's), recomputed when the content changes.
 */
describe('migration 0016 on postgres', () => {
  test('vectors kept; computed on insert, taken when given, recomputed on edit; down and up again', async (t) => {
    const fresh = await freshMigrator(t, 'postgres');
    if (!fresh) return;
    const { db, migrator } = fresh;
    assert.equal((await migrator.migrateTo('0015-chat-shares')).error, undefined);
    const now = 1_700_000_000_000;
    await db.insertInto('users').values({ id: 'u', handle: 'u', name: 'U', password_hash: null, admin: 1, created_at: now, updated_at: now }).execute();
    await db.insertInto('chats')
      .values({ id: 'a', user_id: 'u', character_id: null, title: 'a', revision: 1, message_count: 1, next_seq: 1, metadata_json: '{}', imported_json: null, source_key: null, created_at: now, updated_at: now })
      .execute();
    const message = (seq: number, content: string) => ({ chat_id: 'a', seq, id: `m${seq}`, role: 'user', name: 'n', content, swipes_json: null, swipe_index: 0, extra_json: null, imported_json: null, status: 'complete', revision: 1, created_at: now + seq });
    await db.insertInto('messages').values(message(0, 'The lantern before')).execute();

    const vectors = async () =>
      (await sql<{ seq: number; vector: string }>`SELECT seq, search_vector::text AS vector FROM messages ORDER BY seq`.execute(db)).rows.map((r) => [r.seq, r.vector]);
    const generated = async () =>
      (await sql<{ g: string }>`SELECT attgenerated AS g FROM pg_attribute WHERE attrelid = 'messages'::regclass AND attname = 'search_vector'`.execute(db)).rows[0]?.g;

    assert.equal(await generated(), 's');
    assert.equal((await migrator.migrateToLatest()).error, undefined);
    assert.equal(await generated(), '');
    assert.deepEqual(await vectors(), [[0, "'before':3 'lantern':2 'the':1"]]);

    // Computed when none is given; taken as given (a copy's); recomputed when the content changes, only then.
    await db.insertInto('messages').values(message(1, 'A kestrel after')).execute();
    await sql`INSERT INTO messages (chat_id, seq, id, role, name, content, swipe_index, status, revision, created_at, search_vector)
      VALUES ('a', 2, 'm2', 'user', 'n', 'Copied text', 0, 'complete', 1, ${now}, ${"'copied':1"}::tsvector)`.execute(db);
    await db.updateTable('messages').set({ content: 'A wombat now' }).where('seq', '=', 1).execute();
    await db.updateTable('messages').set({ revision: 2 }).where('seq', '=', 0).execute();
    await db.updateTable('messages').set({ content: 'Copied text' }).where('seq', '=', 2).execute();
    assert.deepEqual(await vectors(), [
      [0, "'before':3 'lantern':2 'the':1"],
      [1, "'a':1 'now':3 'wombat':2"],
      [2, "'copied':1"],
    ]);
    const found = await sql<{ seq: number }>`SELECT seq FROM messages WHERE search_vector @@ 'wombat'::tsquery`.execute(db);
    assert.deepEqual(found.rows.map((r) => r.seq), [1]);

    assert.equal((await migrator.migrateTo('0015-chat-shares')).error, undefined, 'down');
    assert.equal(await generated(), 's');
    assert.deepEqual((await vectors())[2], [2, "'copied':1 'text':2"]);
    assert.equal((await migrator.migrateToLatest()).error, undefined, 'and up again');
    assert.equal(await generated(), '');
  });
});
