import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DIALECTS, freshMigrator } from '../../support/test-databases.js';

const imported = (fields: Record<string, unknown>) => JSON.stringify({ keys: ['name', 'is_user', 'is_system', 'mes'], fields });

/**
 * A library written before migration 0005 (roles from is_system, fav only in cards) is brought in line: what
 * SillyTavern hid is hidden, and favourites are known to the list.
 */
for (const dialect of DIALECTS) {
  describe(`migration 0005 on ${dialect}`, () => {
    test('marks imported is_system messages hidden and favourite cards, leaves the rest', async (t) => {
      const fresh = await freshMigrator(t, dialect);
      if (!fresh) return;
      const { db, migrator } = fresh;
      assert.equal((await migrator.migrateTo('0003-generation')).error, undefined);

      const now = 1_700_000_000_000;
      await db.insertInto('users').values({ id: 'u', handle: 'u', name: 'U', password_hash: null, admin: 1, created_at: now, updated_at: now }).execute();
      const card = (fav: unknown) => JSON.stringify({ spec: 'chara_card_v2', spec_version: '2.0', data: { name: 'C', extensions: { fav } } });
      const characters = [
        ['c-true', card(true)],
        ['c-string', card('true')],
        ['c-false', card(false)],
        ['c-none', JSON.stringify({ spec: 'chara_card_v2', spec_version: '2.0', data: { name: 'C' } })],
      ];
      for (const [id, card_json] of characters) {
        await db
          .insertInto('characters')
          .values({ id, user_id: 'u', name: 'C', card_json, tags_json: '[]', creator: '', avatar_hash: null, thumbnail_hash: null, source_key: null, created_at: now, updated_at: now })
          .execute();
      }
      await db
        .insertInto('chats')
        .values({ id: 'chat', user_id: 'u', character_id: 'c-true', title: 't', revision: 1, message_count: 5, next_seq: 5, metadata_json: '{}', imported_json: null, source_key: null, created_at: now, updated_at: now })
        .execute();
      // [seq, role, imported_json]: what the importer of 0002 wrote for each kind of line.
      const rows: [number, string, string | null][] = [
        [0, 'system', imported({})], // is_system: true on a character line
        [1, 'user', imported({ is_system: true })], // hidden user line: is_system kept verbatim
        [2, 'assistant', imported({})], // an ordinary imported line
        [3, 'system', null], // a system message made in Parley: not imported, not hidden
        [4, 'user', imported({ is_system: false, other: 'x' })],
      ];
      for (const [seq, role, imported_json] of rows) {
        await db
          .insertInto('messages')
          .values({ chat_id: 'chat', seq, id: `m${seq}`, role, name: 'n', content: `text ${seq}`, swipes_json: null, swipe_index: 0, extra_json: null, imported_json, status: 'complete', revision: 1, created_at: now })
          .execute();
      }

      assert.equal((await migrator.migrateToLatest()).error, undefined);

      const messages = await db.selectFrom('messages').select(['seq', 'role', 'hidden', 'content']).orderBy('seq').execute();
      assert.deepEqual(
        messages.map((m) => [m.seq, m.role, Number(m.hidden)]),
        [
          [0, 'assistant', 1],
          [1, 'user', 1],
          [2, 'assistant', 0],
          [3, 'system', 0],
          [4, 'user', 0],
        ],
      );
      const favourites = await db.selectFrom('characters').select(['id', 'favourite', 'persona_id']).orderBy('id').execute();
      assert.deepEqual(
        favourites.map((c) => [c.id, Number(c.favourite), c.persona_id]),
        [
          ['c-false', 0, null],
          ['c-none', 0, null],
          ['c-string', 1, null],
          ['c-true', 1, null],
        ],
      );
      const chat = await db.selectFrom('chats').select('persona_id').executeTakeFirstOrThrow();
      assert.equal(chat.persona_id, null);
    });
  });
}
