import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessagesPage } from '../../src/shared/api/chats.js';
import type { ApiClient } from '../../src/web/api/api-client.js';
import { FirstPagePrefetch } from '../../src/web/features/chat/first-page-prefetch.js';
import type { SyncEngine, SyncEvent } from '../../src/web/sync/sync-engine.js';

const PAGE: MessagesPage = { messages: [], revision: 1, hasMore: false };

/** An API whose messages() answers `answer` and counts its calls, and an engine whose events the test sends. */
function setup(answer: () => Promise<MessagesPage> = () => Promise.resolve(PAGE)) {
  const asked: Array<{ chatId: string; limit: number | undefined }> = [];
  const api = {
    chats: {
      messages: (chatId: string, query: { limit?: number }) => {
        asked.push({ chatId, limit: query.limit });
        return answer();
      },
    },
  } as unknown as ApiClient;
  const listeners = new Set<(event: SyncEvent) => void>();
  const engine = {
    subscribe: (listener: (event: SyncEvent) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  } as unknown as SyncEngine;
  const emit = (event: SyncEvent) => [...listeners].forEach((listener) => listener(event));
  return { prefetch: new FirstPagePrefetch(api, engine), asked, emit, listeners };
}

test('the page asked for at start-up is taken once, by its own chat only', async () => {
  const { prefetch, asked, listeners } = setup();
  prefetch.start('chat-1', 50);
  assert.deepEqual(asked, [{ chatId: 'chat-1', limit: 50 }]);
  assert.equal(prefetch.take('chat-2'), null, 'another chat');
  prefetch.start('chat-1', 50);
  assert.deepEqual(await prefetch.take('chat-1'), PAGE);
  assert.equal(prefetch.take('chat-1'), null, 'taken already');
  assert.equal(listeners.size, 0, 'no longer listening once taken');
});

test('an outbox change, an acknowledgement or an announced change before it is taken makes it stale', () => {
  const cases: Array<[SyncEvent, boolean]> = [
    [{ type: 'outbox' }, true],
    [{ type: 'acked', chatId: 'chat-1', ops: [] }, true],
    [{ type: 'changed', topics: ['chat:chat-1'] }, true],
    [{ type: 'status' }, false],
    [{ type: 'held' }, false],
  ];
  for (const [event, stale] of cases) {
    const { prefetch, emit } = setup();
    prefetch.start('chat-1', 50);
    emit(event);
    assert.equal(prefetch.take('chat-1') === null, stale, event.type);
  }
});

test('a page that could not be had resolves to null: the timeline asks again itself', async () => {
  const { prefetch } = setup(() => Promise.reject(new Error('offline')));
  prefetch.start('chat-1', 50);
  assert.equal(await prefetch.take('chat-1'), null);
});
