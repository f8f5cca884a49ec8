import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { ChangeNotice } from '../../src/shared/api/events.js';
import { CrossNodeChangeFeed } from '../../src/server/events/cross-node-change-feed.js';
import type { NodeChannelHandlers } from '../../src/server/store/store-dialect.js';

/** A node channel that holds each NOTIFY until released, as a round trip to PostgreSQL would. */
async function heldChannel() {
  const sent: string[] = [];
  const releases: Array<() => void> = [];
  let handlers: NodeChannelHandlers | undefined;
  const feed = await CrossNodeChangeFeed.connect(async (_channel, h) => {
    handlers = h;
    return {
      send: (payload) => {
        sent.push(payload);
        return new Promise<void>((resolve) => releases.push(resolve));
      },
      close: async () => undefined,
    };
  }, pino({ level: 'silent' }));
  const releaseAll = async () => {
    for (let i = 0; i < 100 && releases.length > 0; i++) {
      releases.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { feed, sent, releaseAll, deliver: (payload: string) => handlers!.message(payload) };
}

test('notices published while a NOTIFY is on its way go out together, in order, each payload under 8,000 bytes', async () => {
  const { feed, sent, releaseAll, deliver } = await heldChannel();
  const published: ChangeNotice[] = [];
  for (let i = 0; i < 300; i++) {
    const notice: ChangeNotice = { type: 'chat', chatId: `chat-${i % 7}`, revision: i };
    published.push(notice);
    feed.publish(`user-${i % 3}`, notice);
  }
  await releaseAll();
  // The first goes out at once, alone; the 299 that came while it was on its way share as few payloads as fit.
  assert.equal(JSON.parse(sent[0]!).length, 1);
  assert.ok(sent.length >= 3 && sent.length <= 8, `${sent.length} payloads`);
  for (const payload of sent) assert.ok(Buffer.byteLength(payload) < 8000, `${Buffer.byteLength(payload)} bytes`);

  // Each node delivers every notice, to its user, in publishing order.
  const heard: Array<{ userId: string; notice: ChangeNotice }> = [];
  for (const userId of ['user-0', 'user-1', 'user-2']) feed.subscribe(userId, (notice) => heard.push({ userId, notice }));
  for (const payload of sent) deliver(payload);
  assert.deepEqual(heard, published.map((notice, i) => ({ userId: `user-${i % 3}`, notice })));
  await feed.close();
});

test('a lone notice goes out at once, and close waits for what is still pending', async () => {
  const { feed, sent, releaseAll } = await heldChannel();
  feed.publish('u', { type: 'trash' });
  assert.equal(sent.length, 1, 'sent without waiting for a turn of the event loop');
  feed.publish('u', { type: 'trash' });
  let closed = false;
  const closing = feed.close().then(() => (closed = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(closed, false);
  await releaseAll();
  await closing;
  assert.deepEqual(sent.map((p) => JSON.parse(p)), [[{ userId: 'u', notice: { type: 'trash' } }], [{ userId: 'u', notice: { type: 'trash' } }]]);
});

test('a notice from a node of an older version (one per payload, not a list) is delivered too', async () => {
  const { feed, deliver } = await heldChannel();
  const heard: ChangeNotice[] = [];
  feed.subscribe('u', (notice) => heard.push(notice));
  deliver(JSON.stringify({ userId: 'u', notice: { type: 'chat', chatId: 'c', revision: 3 } }));
  deliver(JSON.stringify([{ userId: 'u', notice: { type: 'trash' } }]));
  assert.deepEqual(heard, [{ type: 'chat', chatId: 'c', revision: 3 }, { type: 'trash' }]);
  await feed.close();
});
