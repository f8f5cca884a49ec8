import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SettingsCache } from '../../src/server/services/settings-cache.js';
import type { Store } from '../../src/server/store/store.js';

/** A store whose settings every user has at revision 1, counting the reads of their values. */
function countingStore() {
  const reads: string[] = [];
  const store = {
    settings: {
      get: async (userId: string) => {
        reads.push(userId);
        return { values: {}, revision: 1, updatedAt: 1 };
      },
    },
  } as unknown as Store;
  return { store, reads };
}

const STAMP = { revision: 1, updatedAt: 1 };

test('the settings of the 50 users used last are kept; using one, even again and again, keeps it', async () => {
  const cache = new SettingsCache();
  const { store, reads } = countingStore();
  for (let i = 0; i < 50; i++) await cache.get(store, `user-${i}`, STAMP);
  // user-0 is used again (and again, as the most recent): user-1 is now the least recently used.
  for (let i = 0; i < 3; i++) await cache.get(store, 'user-0', STAMP);
  await cache.get(store, 'user-50', STAMP);
  assert.equal(reads.length, 51);
  await cache.get(store, 'user-0', STAMP);
  assert.equal(reads.length, 51, 'user-0 was kept');
  await cache.get(store, 'user-1', STAMP);
  assert.equal(reads.at(-1), 'user-1', 'user-1 went first');
  // A newer stamp reads the values again.
  await cache.get(store, 'user-1', { revision: 2, updatedAt: 2 });
  assert.deepEqual(reads.slice(-2), ['user-1', 'user-1']);
});
