import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/server/store/database.js';
import type { Store } from '../../../src/server/store/store.js';
import { DIALECTS, freshStore } from '../../support/test-databases.js';

/**
 * Store.relaxedWrites: compiled writes in one transaction, on SQLite run by a thread of its own with its own
 * connection (an import's batches). All or nothing, a guard that changes nothing writes nothing, an error comes
 * back as itself, and the store's own queries meanwhile neither fail nor see half a transaction.
 */

const insertOp = (db: Kysely<Database>, scope: string, opId: string) =>
  ({ query: db.insertInto('applied_ops').values({ scope, op_id: opId, applied_at: 1 }).compile() });
const touchOp = (db: Kysely<Database>, scope: string, opId: string) => ({
  query: db.updateTable('applied_ops').set({ applied_at: 2 }).where('scope', '=', scope).where('op_id', '=', opId).compile(),
  mustChange: true,
});

/** SQLite writes on this thread until its write thread has started: waits for that, so the thread is what is tested. */
async function threadStarted(store: Store): Promise<void> {
  const offThread = store.dialect.writeOffThread;
  if (!offThread) return;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const started = offThread(store.db, []);
    if (started) return void (await started);
    if (Date.now() > deadline) throw new Error('the write thread did not start');
    await sleep(5);
  }
}

async function opsOf(store: Store, scope: string): Promise<string[]> {
  const rows = await store.db.selectFrom('applied_ops').select('op_id').where('scope', '=', scope).orderBy('op_id').execute();
  return rows.map((row) => row.op_id);
}

for (const dialect of DIALECTS) {
  test(`${dialect}: relaxed writes land together, or not at all when a guard changes nothing or a write fails`, async (t) => {
    const store = await freshStore(t, dialect);
    if (!store) return;
    const { db } = store;
    await threadStarted(store);
    assert.equal(await store.relaxedWrites([insertOp(db, 's', 'a'), insertOp(db, 's', 'b')]), true);
    assert.equal(await store.relaxedWrites([touchOp(db, 's', 'a'), insertOp(db, 's', 'c')]), true);
    // The guard changes no row: the insert before it is rolled back with it.
    assert.equal(await store.relaxedWrites([insertOp(db, 's', 'd'), touchOp(db, 's', 'missing'), insertOp(db, 's', 'e')]), false);
    // A write that fails (a duplicate key) fails the call with the database's error, and takes its batch with it.
    await assert.rejects(store.relaxedWrites([insertOp(db, 's', 'f'), insertOp(db, 's', 'a')]), /UNIQUE|duplicate key/);
    assert.deepEqual(await opsOf(store, 's'), ['a', 'b', 'c']);
    // The store goes on working after both.
    assert.equal(await store.relaxedWrites([insertOp(db, 's', 'g')]), true);
    assert.deepEqual(await opsOf(store, 's'), ['a', 'b', 'c', 'g']);
  });

  test(`${dialect}: the store's own transactions run between relaxed writes without failing or seeing half of one`, async (t) => {
    const store = await freshStore(t, dialect);
    if (!store) return;
    const { db } = store;
    await threadStarted(store);
    const ROUNDS = 40;
    const seen: number[] = [];
    // Two loops side by side, so that the two kinds of transaction keep meeting.
    await Promise.all([
      (async () => {
        // Each relaxed transaction writes its pair of rows; a reader must always find an even count.
        for (let i = 0; i < ROUNDS; i++) {
          assert.equal(await store.relaxedWrites([insertOp(db, 'pairs', `${i}-a`), insertOp(db, 'pairs', `${i}-b`)]), true);
        }
      })(),
      (async () => {
        // Read-then-write transactions on the store's connection: on SQLite a second connection committing between
        // the read and the write would fail the write (SQLITE_BUSY_SNAPSHOT) unless the two never overlap.
        for (let i = 0; i < ROUNDS; i++) {
          await db.transaction().execute(async (trx) => {
            const pairs = await trx.selectFrom('applied_ops').select('op_id').where('scope', '=', 'pairs').execute();
            seen.push(pairs.length);
            // A moment between the read and the write, for a writer elsewhere to slip into.
            await sleep(1);
            await trx.insertInto('applied_ops').values({ scope: 'own', op_id: `${i}`, applied_at: 1 }).execute();
          });
        }
      })(),
    ]);
    assert.equal((await opsOf(store, 'pairs')).length, ROUNDS * 2);
    assert.equal((await opsOf(store, 'own')).length, ROUNDS);
    assert.ok(seen.every((n) => n % 2 === 0), `a reader saw half a transaction: ${seen.join(',')}`);
  });
}
