import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/server/store/database.js';
import { fixedQuery } from '../../../src/server/store/fixed-query.js';
import { DIALECTS, freshDatabase, freshStore } from '../../support/test-databases.js';
import { openStore } from '../../../src/server/store/store.js';

const T0 = 1_700_000_000_000;

for (const dialect of DIALECTS) {
  test(`${dialect}: a fixed query compiled once runs with each call's values, in and out of transactions`, async (t) => {
    const store = await freshStore(t, dialect);
    if (!store) return;
    const insert = fixedQuery((db: Kysely<Database>, v: { scope: string; opId: string }) =>
      db.insertInto('applied_ops').values({ scope: v.scope, op_id: v.opId, applied_at: T0 }).returning(['scope', 'op_id', 'applied_at']),
    );
    const byScope = fixedQuery((db: Kysely<Database>, v: { scope: string }) =>
      db.selectFrom('applied_ops').select('op_id').where('scope', '=', v.scope).orderBy('op_id'),
    );
    assert.deepEqual(await insert(store.db, { scope: 's1', opId: 'a' }), [{ scope: 's1', op_id: 'a', applied_at: T0 }]);
    await store.db.transaction().execute(async (trx) => {
      assert.deepEqual(await insert(trx, { scope: 's1', opId: 'b' }), [{ scope: 's1', op_id: 'b', applied_at: T0 }]);
      await insert(trx, { scope: 's2', opId: 'c' });
    });
    assert.deepEqual(await byScope(store.db, { scope: 's1' }), [{ op_id: 'a' }, { op_id: 'b' }]);
    assert.deepEqual(await byScope(store.db, { scope: 's2' }), [{ op_id: 'c' }]);
    assert.deepEqual(await byScope(store.db, { scope: 'none' }), []);
  });
}

test('a value the builder does not bind as a parameter is refused when the query is first built', async () => {
  const database = await freshDatabase('sqlite');
  const store = await openStore(database.database);
  try {
    const columnFromValue = fixedQuery((db: Kysely<Database>, v: { column: 'scope' }) => db.selectFrom('applied_ops').select(v.column));
    await assert.rejects(columnFromValue(store.db, { column: 'scope' }), /value "column" is not a bound parameter/);
  } finally {
    await store.close();
    await database.dispose();
  }
});

test('a fixed query reading * is refused when first built: a prepared statement names its result columns', async () => {
  const database = await freshDatabase('sqlite');
  const store = await openStore(database.database);
  try {
    const everything = fixedQuery((db: Kysely<Database>, v: { scope: string }) => db.selectFrom('applied_ops').selectAll().where('scope', '=', v.scope));
    await assert.rejects(everything(store.db, { scope: 's' }), /name the result columns instead of \*/);
    const returnsAll = fixedQuery((db: Kysely<Database>, v: { scope: string }) =>
      db.deleteFrom('applied_ops').where('scope', '=', v.scope).returningAll(),
    );
    await assert.rejects(returnsAll(store.db, { scope: 's' }), /name the result columns instead of \*/);
    // count(*) is no result column of a table.
    const counted = fixedQuery((db: Kysely<Database>, v: { scope: string }) =>
      db.selectFrom('applied_ops').select((eb) => eb.fn.countAll<number>().as('n')).where('scope', '=', v.scope),
    );
    assert.equal(Number((await counted(store.db, { scope: 's' }))[0]?.n), 0);
  } finally {
    await store.close();
    await database.dispose();
  }
});
