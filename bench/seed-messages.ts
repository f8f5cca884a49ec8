import { randomUUID } from 'node:crypto';
import type { MessageRecord } from '../src/server/store/chats-repository.js';
import type { Store } from '../src/server/store/store.js';

/** Rows written per transaction: big enough to seed 100,000 messages in seconds, small enough to stay lean. */
const BATCH = 5000;

/**
 * Fills a chat up to `count` messages straight through the store (the ops endpoint would take minutes for
 * 100,000), alternating assistant and user from the chat's next seq; `contentOf(seq)` gives each text.
 */
export async function seedMessages(store: Store, chatId: string, count: number, contentOf: (seq: number) => string) {
  const users = await store.users.list();
  const chat = (await Promise.all(users.map((user) => store.chats.get(user.id, chatId)))).find(Boolean);
  if (!chat) throw new Error(`no chat ${chatId} to seed`);
  const now = Date.now();
  const batch: MessageRecord[] = [];
  const flush = async () => {
    const rows = batch.splice(0);
    await store.transaction((repos) => repos.chats.insertMessages(chatId, rows));
  };
  for (let seq = chat.nextSeq; seq < count; seq++) {
    batch.push({
      seq,
      id: randomUUID(),
      role: seq % 2 ? 'user' : 'assistant',
      name: seq % 2 ? 'User' : 'Seraphina',
      content: contentOf(seq),
      swipes: [],
      swipeIndex: 0,
      hidden: false,
      bookmarkedAt: null,
      extra: {},
      imported: null,
      status: 'complete',
      revision: 1,
      createdAt: now,
    });
    if (batch.length === BATCH) await flush();
  }
  await flush();
  await store.transaction(async (repos) => {
    await repos.chats.saveHeader({ ...chat, nextSeq: count, messageCount: count, revision: 1, updatedAt: now });
  });
}
