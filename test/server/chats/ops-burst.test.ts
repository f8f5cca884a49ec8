import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appendOp, createCharacterAndChat, newId } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { startTestServer, type TestServer } from '../../support/test-server.js';

let server: TestServer;
let client: TestClient;

before(async () => {
  server = await startTestServer();
  client = new TestClient(server.url);
  await client.session();
});
after(() => server.close());

/**
 * Many users' saves at once share commits on SQLite (group commit); each must still be answered as if it ran alone:
 * its own result, its own error, idempotency across the burst, and every acknowledged op stored in order.
 */
test('a burst of saves to many chats: each answered on its own, each acknowledged op stored', async () => {
  const chats = await Promise.all(Array.from({ length: 8 }, () => createCharacterAndChat(client)));
  const resent = appendOp('sent twice at once');
  const sends = chats.flatMap(({ chatId }, c) =>
    Array.from({ length: 5 }, (_, i) => ({ chatId, ops: [appendOp(`chat ${c} message ${i}`)] })),
  );
  sends.push({ chatId: chats[0]!.chatId, ops: [resent] }, { chatId: chats[0]!.chatId, ops: [resent] });
  // A conflict and a missing chat in the same burst.
  sends.push({ chatId: chats[1]!.chatId, ops: [{ opId: newId(), type: 'edit', messageId: newId(), content: 'x' }] as never });
  const missing = newId();
  sends.push({ chatId: missing, ops: [appendOp('to nowhere')] });

  const replies = await Promise.all(sends.map(({ chatId, ops }) => client.post(`/api/chats/${chatId}/ops`, { ops })));

  const statuses = replies.map((r) => (r.status === 200 ? r.body.results[0].status : r.status));
  assert.deepEqual(statuses.slice(0, 40), Array(40).fill('applied'));
  assert.deepEqual(statuses.slice(40, 42).sort(), ['applied', 'duplicate']);
  assert.equal(statuses[42], 'conflict');
  assert.equal(statuses[43], 404);

  for (const [c, { chatId }] of chats.entries()) {
    const page = (await client.get(`/api/chats/${chatId}/messages?limit=100`)).body;
    const texts = page.messages.map((m: { content: string }) => m.content).slice(1);
    const expected = Array.from({ length: 5 }, (_, i) => `chat ${c} message ${i}`);
    if (c === 0) expected.push('sent twice at once');
    assert.deepEqual(texts.sort(), expected.sort());
    // Consecutive seqs after the greeting, one revision per applied op: no two saves saw the same header.
    assert.deepEqual(
      page.messages.map((m: { seq: number }) => m.seq),
      expected.map((_, i) => i).concat(expected.length),
    );
    const chat = (await client.get(`/api/chats/${chatId}`)).body;
    assert.equal(chat.messageCount, expected.length + 1);
    assert.equal(chat.revision, expected.length + 1);
  }
});
