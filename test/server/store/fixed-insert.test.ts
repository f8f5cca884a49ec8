import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Database } from '../../../src/server/store/database.js';
import { fixedInsert } from '../../../src/server/store/fixed-insert.js';
import { DIALECTS, freshStore } from '../../support/test-databases.js';

for (const dialect of DIALECTS) {
  test(`${dialect}: a fixed multi-row insert compiled once stores each call's rows, each value in its column`, async (t) => {
    const store = await freshStore(t, dialect);
    if (!store) return;
    const insertThree = fixedInsert<Database, 'applied_ops'>('applied_ops', ['op_id', 'applied_at', 'scope'], 3);
    await store.db.executeQuery(insertThree(store.db, ['a', 1, 's1', 'b', 2, 's1', 'c', 3, 's2']));
    await store.db.transaction().execute((trx) => trx.executeQuery(insertThree(trx, ['d', 4, 's2', 'e', 5, 's2', 'f', 6, 's3'])));
    const rows = await store.db.selectFrom('applied_ops').select(['scope', 'op_id', 'applied_at']).orderBy('op_id').execute();
    assert.deepEqual(
      rows.map((r) => [r.scope, r.op_id, Number(r.applied_at)]),
      [['s1', 'a', 1], ['s1', 'b', 2], ['s2', 'c', 3], ['s2', 'd', 4], ['s2', 'e', 5], ['s3', 'f', 6]],
    );
    assert.throws(() => insertThree(store.db, ['g', 7, 's4']), /3 values for 9 slots/);
  });
}
