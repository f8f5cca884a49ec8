import assert from 'node:assert/strict';
import { after, afterEach, describe, test, type TestContext } from 'node:test';
import type { SessionRecord } from '../../../src/server/store/sessions-repository.js';
import { migrations } from '../../../src/server/store/migrations/index.js';
import { openStore, type Store } from '../../../src/server/store/store.js';
import { DIALECTS, freshDatabase, unavailable, type TestDatabase } from '../../support/test-databases.js';

const T0 = Date.UTC(2026, 0, 1); // epoch ms beyond 2^32: proves BIGINT times come back as exact numbers

function session(overrides: Partial<SessionRecord> & { idHash: string; userId: string }): SessionRecord {
  return { csrfToken: `csrf-${overrides.idHash}`, createdAt: T0, lastSeenAt: T0, expiresAt: T0 + 3_600_000, ...overrides };
}

for (const dialect of DIALECTS) {
  const skipReason = await unavailable(dialect);

  describe(`store on ${dialect}`, () => {
    const open: Store[] = [];
    const databases: TestDatabase[] = [];
    afterEach(async () => {
      for (const store of open.splice(0)) await store.close();
    });
    after(async () => {
      for (const db of databases) await db.dispose();
    });

    /** A migrated store on an empty database, or a skip when the database is not running here. */
    async function fresh(t: TestContext): Promise<{ store: Store; db: TestDatabase } | null> {
      if (skipReason) {
        t.skip(skipReason);
        return null;
      }
      const db = await freshDatabase(dialect);
      databases.push(db);
      const store = await openStore(db.database);
      open.push(store);
      return { store, db };
    }

    async function withUsers(store: Store) {
      await store.users.insert({ id: 'u1', handle: 'alice', name: 'Alice', passwordHash: '$argon2id$x', admin: true, now: T0 });
      await store.users.insert({ id: 'u2', handle: 'bob', name: 'Bob', passwordHash: null, admin: false, now: T0 + 1 });
    }

    test('migrations are idempotent: a second run and a reopen change nothing and keep the data', async (t) => {
      const opened = await fresh(t);
      if (!opened) return;
      await withUsers(opened.store);
      await opened.store.migrate();
      await opened.store.close();
      open.splice(open.indexOf(opened.store), 1);
      const again = await openStore(opened.db.database);
      open.push(again);
      await again.migrate();
      assert.deepEqual(
        (await again.users.list()).map((u) => u.handle),
        ['alice', 'bob'],
      );
      const applied = await again.db.selectFrom('kysely_migration' as never).select('name' as never).execute();
      assert.deepEqual(
        applied.map((r) => (r as { name: string }).name).sort(),
        Object.keys(migrations).sort(),
        'each migration recorded exactly once',
      );
    });

    test('users: insert, byId, byHandle, list, countAdmins', async (t) => {
      const opened = await fresh(t);
      if (!opened) return;
      const { store } = opened;
      await withUsers(store);
      const alice = await store.users.byHandle('alice');
      assert.deepEqual(alice, {
        id: 'u1', handle: 'alice', name: 'Alice', passwordHash: '$argon2id$x', admin: true, createdAt: T0, updatedAt: T0,
      });
      assert.equal(typeof alice?.createdAt, 'number');
      assert.deepEqual(await store.users.byId('u2'), {
        id: 'u2', handle: 'bob', name: 'Bob', passwordHash: null, admin: false, createdAt: T0 + 1, updatedAt: T0 + 1,
      });
      assert.equal(await store.users.byHandle('carol'), undefined);
      assert.equal(await store.users.byId('nope'), undefined);
      assert.deepEqual(
        (await store.users.list()).map((u) => u.handle),
        ['alice', 'bob'],
      );
      assert.equal(await store.users.countAdmins(), 1);
    });

    test('users: a duplicate handle is rejected by the database', async (t) => {
      const opened = await fresh(t);
      if (!opened) return;
      await withUsers(opened.store);
      await assert.rejects(
        opened.store.users.insert({ id: 'u3', handle: 'alice', name: 'Other', passwordHash: null, admin: false, now: T0 }),
      );
      assert.equal((await opened.store.users.list()).length, 2);
    });

    test('users: update changes only the given fields; delete removes the user and their sessions', async (t) => {
      const opened = await fresh(t);
      if (!opened) return;
      const { store } = opened;
      await withUsers(store);
      await store.users.update('u2', { admin: true }, T0 + 50);
      let bob = await store.users.byId('u2');
      assert.equal(bob?.admin, true);
      assert.equal(bob?.name, 'Bob');
      assert.equal(bob?.passwordHash, null);
      assert.equal(bob?.updatedAt, T0 + 50);
      await store.users.update('u2', { name: 'Robert', passwordHash: '$argon2id$y' }, T0 + 60);
      bob = await store.users.byId('u2');
      assert.deepEqual([bob?.name, bob?.passwordHash, bob?.admin], ['Robert', '$argon2id$y', true]);
      assert.equal(await store.users.countAdmins(), 2);

      await store.sessions.insert(session({ idHash: 'h-bob', userId: 'u2' }));
      await store.sessions.insert(session({ idHash: 'h-alice', userId: 'u1' }));
      await store.users.delete('u2');
      assert.equal(await store.users.byId('u2'), undefined);
      assert.equal(await store.sessions.withUser('h-bob'), undefined, 'sessions go with their user');
      assert.equal((await store.sessions.withUser('h-alice'))?.user?.handle, 'alice');
    });

    test('sessions: insert, withUser, touch, setCsrfToken, delete', async (t) => {
      const opened = await fresh(t);
      if (!opened) return;
      const { store } = opened;
      await withUsers(store);
      const sessionOf = async (idHash: string) => (await store.sessions.withUser(idHash))?.session;
      const record = session({ idHash: 'h1', userId: 'u1' });
      await store.sessions.insert(record);
      assert.deepEqual(await store.sessions.withUser('h1'), {
        session: record,
        user: await store.users.byId('u1'),
        settingsStamp: { revision: 0, updatedAt: 0 },
      });
      assert.equal(await sessionOf('h2'), undefined);
      // The settings' stamp comes with the session (a request checks its cached settings against it).
      await store.settings.save('u1', { values: { a: 1 }, revision: 3, updatedAt: T0 + 500 });
      assert.deepEqual((await store.sessions.withUser('h1'))?.settingsStamp, await store.settings.stamp('u1'));
      assert.deepEqual((await store.sessions.withUser('h1'))?.settingsStamp, { revision: 3, updatedAt: T0 + 500 });

      await store.sessions.touch('h1', T0 + 1000, T0 + 1000 + 3_600_000);
      assert.deepEqual(await sessionOf('h1'), { ...record, lastSeenAt: T0 + 1000, expiresAt: T0 + 3_601_000 });
      await store.sessions.touch('h1', T0 + 2000, null);
      assert.equal((await sessionOf('h1'))?.expiresAt, null, 'never expires');

      await store.sessions.setCsrfToken('h1', 'fresh-token');
      assert.equal((await sessionOf('h1'))?.csrfToken, 'fresh-token');

      await store.sessions.delete('h1');
      assert.equal(await sessionOf('h1'), undefined);
    });

    test('sessions: a session of an unknown user is rejected (foreign key)', async (t) => {
      const opened = await fresh(t);
      if (!opened) return;
      await assert.rejects(opened.store.sessions.insert(session({ idHash: 'h1', userId: 'ghost' })));
    });

    test("sessions: deleteForUser ends a user's sessions, optionally all but one", async (t) => {
      const opened = await fresh(t);
      if (!opened) return;
      const { store } = opened;
      await withUsers(store);
      for (const idHash of ['a1', 'a2', 'a3']) await store.sessions.insert(session({ idHash, userId: 'u1' }));
      await store.sessions.insert(session({ idHash: 'b1', userId: 'u2' }));

      assert.equal(await store.sessions.deleteForUser('u1', 'a2'), 2);
      assert.equal(await store.sessions.withUser('a1'), undefined);
      assert.ok(await store.sessions.withUser('a2'), 'the kept one');
      assert.ok(await store.sessions.withUser('b1'), "another user's");
      assert.equal(await store.sessions.deleteForUser('u1'), 1);
      assert.equal(await store.sessions.withUser('a2'), undefined);
      assert.equal(await store.sessions.deleteForUser('u1'), 0);
    });

    test('sessions: purgeExpired removes only sessions expired before the cut-off', async (t) => {
      const opened = await fresh(t);
      if (!opened) return;
      const { store } = opened;
      await withUsers(store);
      await store.sessions.insert(session({ idHash: 'old', userId: 'u1', expiresAt: T0 - 10 }));
      await store.sessions.insert(session({ idHash: 'edge', userId: 'u1', expiresAt: T0 }));
      await store.sessions.insert(session({ idHash: 'live', userId: 'u1', expiresAt: T0 + 10 }));
      await store.sessions.insert(session({ idHash: 'forever', userId: 'u2', expiresAt: null }));
      assert.equal(await store.sessions.purgeExpired(T0), 1);
      const left = await store.db.selectFrom('sessions').select('id_hash').orderBy('id_hash').execute();
      assert.deepEqual(
        left.map((r) => r.id_hash),
        ['edge', 'forever', 'live'],
      );
    });

    test('a transaction that throws leaves nothing behind', async (t) => {
      const opened = await fresh(t);
      if (!opened) return;
      const { store } = opened;
      await assert.rejects(
        store.transaction(async (repos) => {
          await repos.users.insert({ id: 'u9', handle: 'temp', name: 'T', passwordHash: null, admin: false, now: T0 });
          await repos.sessions.insert(session({ idHash: 'h9', userId: 'u9' }));
          throw new Error('abort');
        }),
        /abort/,
      );
      assert.equal(await store.users.byHandle('temp'), undefined);
      assert.equal(await store.sessions.withUser('h9'), undefined);
    });
  });
}
