import assert from 'node:assert/strict';
import { test } from 'node:test';
import { arrangeBranchTree, branchesAtMessage, type BranchNode } from '../../src/shared/api/branches.js';

const node = (id: string, parentChatId: string | null = null, forkSeq: number | null = null): BranchNode => ({
  id,
  title: id,
  parentChatId,
  forkSeq,
  messageCount: 1,
  inTrash: false,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
});

// main ── a (at 3) ── a1 (at 2)
//      ├─ b (at 3)
//      └─ c (at 5)
const TREE = [node('main'), node('a', 'main', 3), node('b', 'main', 3), node('c', 'main', 5), node('a1', 'a', 2)];

test('arrangeBranchTree lays chats out depth first, children in their order', () => {
  assert.deepEqual(arrangeBranchTree(TREE).map((n) => [n.chat.id, n.depth]), [['main', 0], ['a', 1], ['a1', 2], ['b', 1], ['c', 1]]);
});

test('a chat whose parent is not in the list is a root; a chain of 5,000 does not overflow the stack', () => {
  assert.deepEqual(arrangeBranchTree([node('x', 'gone', 1), node('y', 'x', 0)]).map((n) => [n.chat.id, n.depth]), [['x', 0], ['y', 1]]);
  const chain = Array.from({ length: 5000 }, (_, i) => node(`n${i}`, i === 0 ? null : `n${i - 1}`, 0));
  const laid = arrangeBranchTree(chain);
  assert.equal(laid.length, 5000);
  assert.equal(laid.at(-1)!.depth, 4999);
});

test('a cycle (which the server never makes) neither loops nor drops a chat twice', () => {
  const laid = arrangeBranchTree([node('p', 'q', 0), node('q', 'p', 0)]);
  assert.ok(laid.length <= 2);
});

test('branchesAtMessage: what a message offers to jump to', () => {
  const ids = (chatId: string, seq: number) => branchesAtMessage(TREE, chatId, seq).map((c) => c.id);
  // | open chat | message | offered                                   |
  // | main      | 3       | its branches there: a, b                  |
  // | main      | 5       | c                                         |
  // | main      | 4       | nothing                                   |
  // | a         | 3       | its parent main, and sibling b            |
  // | a         | 2       | its own branch a1                         |
  // | a1        | 2       | its parent a (a has no other branch at 2) |
  // | c         | 3       | nothing: c forks at 5                     |
  assert.deepEqual(ids('main', 3), ['a', 'b']);
  assert.deepEqual(ids('main', 5), ['c']);
  assert.deepEqual(ids('main', 4), []);
  assert.deepEqual(ids('a', 3), ['main', 'b']);
  assert.deepEqual(ids('a', 2), ['a1']);
  assert.deepEqual(ids('a1', 2), ['a']);
  assert.deepEqual(ids('c', 3), []);
});
