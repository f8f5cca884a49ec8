import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appendOp, createCharacterAndChat, newId } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { DIALECTS, dialectSkips, serversForThisFileOn } from '../../support/test-databases.js';

const skips = await dialectSkips();

// A batch whose only change is an append saves the chat's header with the message (one statement on PostgreSQL,
// written only when the message is): what the header holds after each kind of batch, on both databases.
for (const dialect of DIALECTS) {
  describe(`an append's message and the chat's header (${dialect})`, { skip: skips[dialect] }, () => {
    const serve = serversForThisFileOn(dialect);

    test('the header moves with an applied append, and not at all with one whose message the chat holds', async () => {
      const server = await serve();
      const client = new TestClient(server.url);
      await client.session();
      const { chatId, chat: created } = await createCharacterAndChat(client);
      const opsOf = async (ops: unknown[]) => (await client.post(`/api/chats/${chatId}/ops`, { ops })).body;
      const header = async () => (await client.get(`/api/chats/${chatId}`)).body;

      const first = appendOp('Where does the *forest* road lead?');
      const applied = await opsOf([first]);
      assert.deepEqual(applied.results.map((r: { status: string; seq: number }) => [r.status, r.seq]), [['applied', 1]]);
      const afterFirst = await header();
      assert.equal(afterFirst.revision, created.revision + 1);
      assert.equal(afterFirst.revision, applied.revision);
      assert.equal(afterFirst.messageCount, 2);
      assert.equal(afterFirst.title, 'Where does the forest road lead?', "a chat under its made-up title takes the user's first words");
      assert.ok(Date.parse(afterFirst.updatedAt) >= Date.parse(created.updatedAt));

      // The same message under a new op id: a duplicate, and the header is as it was.
      const again = await opsOf([{ ...first, opId: newId() }]);
      assert.deepEqual(again.results.map((r: { status: string }) => r.status), ['duplicate']);
      assert.equal(again.revision, afterFirst.revision);
      assert.deepEqual(await header(), afterFirst);

      // After an op that did not apply (a conflict), the append is still the batch's only change.
      const conflictThenAppend = await opsOf([{ opId: newId(), type: 'edit', messageId: newId(), content: 'x' }, appendOp('second')]);
      assert.deepEqual(conflictThenAppend.results.map((r: { status: string }) => r.status), ['conflict', 'applied']);
      const afterSecond = await header();
      assert.equal(afterSecond.revision, afterFirst.revision + 1);
      assert.equal(afterSecond.messageCount, 3);
      assert.equal(afterSecond.title, afterFirst.title, 'named once');

      // Two appends, the second's message the first's: one applies, the header counts one.
      const shared = appendOp('third');
      const twice = await opsOf([shared, { ...shared, opId: newId() }]);
      assert.deepEqual(twice.results.map((r: { status: string }) => r.status), ['applied', 'duplicate']);
      // An append followed by another change: the header is saved once, after both.
      const appended = appendOp('fourth');
      const appendThenEdit = await opsOf([appended, { opId: newId(), type: 'edit', messageId: appended.message.id, content: 'fourth, edited' }]);
      assert.deepEqual(appendThenEdit.results.map((r: { status: string }) => r.status), ['applied', 'applied']);
      const last = await header();
      assert.equal(last.revision, afterSecond.revision + 3);
      assert.equal(last.revision, appendThenEdit.revision);
      assert.equal(last.messageCount, 5);
      const page = (await client.get(`/api/chats/${chatId}/messages`)).body;
      assert.deepEqual(
        page.messages.map((m: { seq: number; content: string }) => [m.seq, m.content]),
        [[0, 'Welcome, traveller.'], [1, 'Where does the *forest* road lead?'], [2, 'second'], [3, 'third'], [4, 'fourth, edited']],
      );
    });
  });
}
