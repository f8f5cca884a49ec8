import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '../../src/shared/api/chats.js';
import { appendNewerPage, mergeNewestPage, prependOlderPage } from '../../src/web/features/chat/merge-pages.js';

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
  hidden: false,
  bookmarked: false,
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

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => m(from + i));
const window = (messages: Message[], hasOlder: boolean, hasNewer: boolean) => ({ messages, hasOlder, hasNewer });

test('an older page goes in front, skipping messages already loaded', () => {
  const merged = prependOlderPage(window([m(3), m(4)], true, false), page([m(1), m(2), m(3)], true), 100);
  assert.deepEqual(seqs(merged.messages), [1, 2, 3, 4]);
  assert.equal(merged.hasOlder, true);
  assert.equal(merged.hasNewer, false);
  assert.equal(prependOlderPage(window([m(3)], true, false), page([m(2)], false), 100).hasOlder, false, 'the first page');
});

test('past the window size an older page lets the newest messages go, and says newer ones exist', () => {
  const merged = prependOlderPage(window(range(10, 19), true, false), page(range(5, 9), true), 12);
  assert.deepEqual(seqs(merged.messages), range(5, 16).map((x) => x.seq));
  assert.equal(merged.hasNewer, true);
  assert.equal(merged.hasOlder, true);
});

test('a newer page goes behind, skipping messages already loaded; past the window size the oldest go', () => {
  const within = appendNewerPage(window(range(5, 16), true, true), page(range(16, 18), true), 100);
  assert.deepEqual(seqs(within.messages), range(5, 18).map((x) => x.seq));
  assert.equal(within.hasNewer, true);
  const trimmed = appendNewerPage(window(range(5, 16), false, true), page(range(17, 19), false), 12);
  assert.deepEqual(seqs(trimmed.messages), range(8, 19).map((x) => x.seq));
  assert.equal(trimmed.hasOlder, true, 'messages were let go at the top');
  assert.equal(trimmed.hasNewer, false, 'the newest page: the window is back at the end');
});

test('scrolling to the top and back down through the window gives every message once, in order', () => {
  const size = 30;
  const all = range(0, 99);
  const pageOf = (list: Message[], more: boolean) => page(list, more);
  let loaded = window(all.slice(-10), true, false);
  const seen: number[] = [];
  for (let guard = 0; guard < 50 && loaded.hasOlder; guard++) {
    const first = loaded.messages[0]!.seq;
    loaded = prependOlderPage(loaded, pageOf(all.slice(Math.max(0, first - 7), first), first - 7 > 0), size);
    assert.ok(loaded.messages.length <= size);
  }
  assert.equal(loaded.messages[0]!.seq, 0);
  assert.equal(loaded.hasNewer, true);
  seen.push(...seqs(loaded.messages));
  for (let guard = 0; guard < 50 && loaded.hasNewer; guard++) {
    const last = loaded.messages.at(-1)!.seq;
    const next = all.slice(last + 1, last + 8);
    loaded = appendNewerPage(loaded, pageOf(next, last + 8 < all.length), size);
    seen.push(...seqs(next));
  }
  assert.deepEqual(seen, seqs(all));
  assert.equal(loaded.messages.at(-1)!.seq, 99);
  assert.equal(loaded.messages.length, size);
});
