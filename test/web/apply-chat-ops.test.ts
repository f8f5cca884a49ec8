import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ChatOp, Message } from '../../src/shared/api/chats.js';
import { applyChatOps } from '../../src/web/features/chat/apply-chat-ops.js';
import type { ChatOpDraft } from '../../src/web/sync/change.js';

const message = (id: string, seq: number, content: string, extra: Partial<Message> = {}): Message => ({
  id,
  seq,
  role: 'assistant',
  name: 'Aria',
  content,
  swipes: [],
  swipeIndex: 0,
  createdAt: '2026-01-01T00:00:00.000Z',
  extra: {},
  revision: seq + 1,
  status: 'complete',
  hidden: false,
  bookmarked: false,
  ...extra,
});

const op = (draft: ChatOpDraft): ChatOp => ({ ...draft, opId: `op-${draft.type}-0001` });

test('an append shows once, marked pending, after the last message', () => {
  const base = [message('m1', 0, 'hello')];
  const append = op({ type: 'append', message: { id: 'm2', role: 'user', name: 'Me', content: 'hi' } });
  const shown = applyChatOps(base, [append, append], true);
  assert.deepEqual(
    shown.map((m) => [m.id, m.seq, m.content, m.pending ?? false]),
    [
      ['m1', 0, 'hello', false],
      ['m2', 1, 'hi', true],
    ],
  );
  assert.equal(applyChatOps(shown, [append], true).length, 2, 'an append of an id already shown changes nothing');
});

test('edit, addSwipe and selectSwipe follow the server: an edit rewrites the shown swipe, a new swipe is selected', () => {
  const base = [message('m1', 0, 'a', { swipes: ['a', 'b'], swipeIndex: 0 })];
  const edited = applyChatOps(base, [op({ type: 'edit', messageId: 'm1', content: 'A' })], true);
  assert.deepEqual([edited[0]!.content, edited[0]!.swipes], ['A', ['A', 'b']]);
  const swiped = applyChatOps(edited, [op({ type: 'addSwipe', messageId: 'm1', content: 'c' })], true);
  assert.deepEqual([swiped[0]!.content, swiped[0]!.swipes, swiped[0]!.swipeIndex], ['c', ['A', 'b', 'c'], 2]);
  const selected = applyChatOps(swiped, [op({ type: 'selectSwipe', messageId: 'm1', index: 1 })], true);
  assert.deepEqual([selected[0]!.content, selected[0]!.swipeIndex], ['b', 1]);
  const outOfRange = applyChatOps(selected, [op({ type: 'selectSwipe', messageId: 'm1', index: 7 })], true);
  assert.deepEqual([outOfRange[0]!.content, outOfRange[0]!.swipeIndex], ['b', 1]);
});

test('the first swipe on a message without swipes keeps its text as swipe 1', () => {
  const swiped = applyChatOps([message('m1', 0, 'only')], [op({ type: 'addSwipe', messageId: 'm1', content: 'second' })], false);
  assert.deepEqual([swiped[0]!.swipes, swiped[0]!.swipeIndex, swiped[0]!.pending], [['only', 'second'], 1, undefined]);
});

test('delete removes; ops on a message that is gone change nothing', () => {
  const base = [message('m1', 0, 'a'), message('m2', 1, 'b')];
  const shown = applyChatOps(base, [op({ type: 'delete', messageId: 'm1' }), op({ type: 'edit', messageId: 'm1', content: 'x' })], true);
  assert.deepEqual(
    shown.map((m) => m.id),
    ['m2'],
  );
  assert.equal(base.length, 2, 'the input list is not mutated');
});

test('setHidden flips only the flag, as the server does; a message that is gone is left alone', () => {
  const base = [message('m1', 0, 'a', { swipes: ['a', 'b'] })];
  const hidden = applyChatOps(base, [op({ type: 'setHidden', messageId: 'm1', hidden: true })], true);
  assert.deepEqual(
    [hidden[0]!.hidden, hidden[0]!.content, hidden[0]!.swipes, hidden[0]!.revision, hidden[0]!.pending],
    [true, 'a', ['a', 'b'], 1, true],
  );
  const shown = applyChatOps(hidden, [op({ type: 'setHidden', messageId: 'm1', hidden: false })], false);
  assert.equal(shown[0]!.hidden, false);
  assert.deepEqual(applyChatOps(base, [op({ type: 'setHidden', messageId: 'gone', hidden: true })], true), base);
});
