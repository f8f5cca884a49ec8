import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Change, OutboxEntry } from '../../src/web/sync/change.js';
import { MAX_BATCH_BYTES, nextBatch } from '../../src/web/sync/next-batch.js';

let seq = 0;
const entry = (change: Change): OutboxEntry => ({ seq: ++seq, owner: 'me', chatId: '', queuedAt: 0, change });
const append = (chatId: string, content = 'hi'): Change => ({
  kind: 'chat-op',
  chatId,
  op: { opId: `op-${seq}-abcdef`, type: 'append', message: { id: `m-${seq}-abcdef`, role: 'user', name: 'Me', content } },
});

test('the run of one chat at the head goes in one batch, in order; another chat waits its turn', () => {
  const entries = [entry(append('a')), entry(append('a')), entry(append('b')), entry(append('a'))];
  const batch = nextBatch(entries);
  assert.equal(batch?.kind, 'chat-ops');
  assert.deepEqual(
    batch!.entries.map((e) => e.seq),
    [entries[0]!.seq, entries[1]!.seq],
  );
});

test('anything but a chat op is sent alone; an empty outbox has no batch', () => {
  const put = entry({ kind: 'chat-delete', chatId: 'a' });
  assert.deepEqual(nextBatch([put, entry(append('a'))]), { kind: 'single', entries: [put] });
  assert.equal(nextBatch([]), null);
});

test('batches stop at the op count and byte limits, but always take at least one op', () => {
  const many = Array.from({ length: 10 }, () => entry(append('a')));
  assert.equal(nextBatch(many, 3)!.entries.length, 3);
  const huge = 'x'.repeat(MAX_BATCH_BYTES);
  const big = [entry(append('a', huge)), entry(append('a'))];
  assert.equal(nextBatch(big)!.entries.length, 1, 'a single oversized op still goes (the server judges it)');
  assert.equal(nextBatch([entry(append('a')), entry(append('a', huge))])!.entries.length, 1);
});
