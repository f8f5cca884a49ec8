import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '../../src/shared/api/chats.js';
import { mergeNewestPage, prependOlderPage } from '../../src/web/features/chat/merge-pages.js';

const m = (seq: number, content = `m${seq}`): Message => ({
  id: `id-${seq}`,
  seq,
  role: 'user',
  name: 'Me',
  content,
  swipes: [],
  swipeIndex: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  extra: {},
  revision: seq,
  status: 'complete',
});
const page = (messages: Message[], hasMore: boolean) => ({ messages, revision: 1, hasMore });
const seqs = (list: Message[]) => list.map((x) => x.seq);

test('a fresh newest page replaces what it covers and keeps older loaded messages', () => {
  const loaded = [m(0), m(1), m(2), m(3), m(4)];
  const merged = mergeNewestPage(loaded, page([m(3, 'edited'), m(5)], true));
  assert.deepEqual(seqs(merged), [0, 1, 2, 3, 5], 'seq 4 is gone from the page: deleted');
  assert.equal(merged[3]!.content, 'edited');
});

test('a newest page with nothing older is the whole chat', () => {
  assert.deepEqual(seqs(mergeNewestPage([m(0), m(1), m(2)], page([m(1)], false))), [1]);
  assert.deepEqual(mergeNewestPage([m(0)], page([], false)), []);
});

test('an older page goes in front, skipping messages already loaded', () => {
  assert.deepEqual(seqs(prependOlderPage([m(3), m(4)], page([m(1), m(2), m(3)], true))), [1, 2, 3, 4]);
});
