import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { appendOp, createCharacterAndChat, newId } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { DIALECTS, dialectSkips, serversForThisFileOn } from '../../support/test-databases.js';
import { addUser } from '../../support/users.js';

const skips = await dialectSkips();

// The chat's lock claims the batch's first op id (in one statement on PostgreSQL): what a claim decides, on both.
for (const dialect of DIALECTS) {
  describe(`op ids claimed with the chat's lock (${dialect})`, { skip: skips[dialect] }, () => {
    const serve = serversForThisFileOn(dialect, { enableUserAccounts: true });

    test("a resent first op is a duplicate; a first op that does not apply is handed back; a stranger's op claims nothing", async () => {
      const server = await serve();
      await addUser(server, { handle: 'ann', password: 'ann-password' });
      await addUser(server, { handle: 'eve', password: 'eve-password' });
      const ann = new TestClient(server.url);
      const eve = new TestClient(server.url);
      await ann.login('ann', 'ann-password');
      await eve.login('eve', 'eve-password');
      const { chatId } = await createCharacterAndChat(ann);
      const opsOf = async (client: TestClient, ops: unknown[]) => client.post(`/api/chats/${chatId}/ops`, { ops });

      const append = appendOp('Hello');
      assert.deepEqual((await opsOf(ann, [append])).body.results.map((r: { status: string }) => r.status), ['applied']);
      const resent = await opsOf(ann, [append, appendOp('and more')]);
      assert.deepEqual(resent.body.results.map((r: { status: string }) => r.status), ['duplicate', 'applied']);

      // An edit of a message that is not there: a conflict, and its op id is not kept, so it can come again.
      const edit = { opId: newId(), type: 'edit', messageId: newId(), content: 'x' };
      assert.equal((await opsOf(ann, [edit])).body.results[0].status, 'conflict');
      assert.equal((await opsOf(ann, [edit])).body.results[0].status, 'conflict', 'handed back, not remembered');

      // Another account's op on the chat is refused before anything is claimed: the owner's op of that id applies.
      const taken = appendOp('from ann');
      assert.equal((await opsOf(eve, [{ ...taken, message: { ...taken.message, content: 'from eve' } }])).status, 404);
      assert.equal((await opsOf(ann, [taken])).body.results[0].status, 'applied');

      const page = await ann.get(`/api/chats/${chatId}/messages?limit=10`);
      assert.deepEqual(
        page.body.messages.slice(1).map((m: { content: string }) => m.content),
        ['Hello', 'and more', 'from ann'],
      );
    });

    test('the same op sent eight times at once applies once', async () => {
      const server = await serve();
      await addUser(server, { handle: 'ann', password: 'ann-password' });
      const ann = new TestClient(server.url);
      await ann.login('ann', 'ann-password');
      const { chatId } = await createCharacterAndChat(ann);
      const op = appendOp('once');
      // Each with another message id: only the op id tells them apart.
      const sent = await Promise.all(
        Array.from({ length: 8 }, () => ann.post(`/api/chats/${chatId}/ops`, { ops: [{ ...op, message: { ...op.message, id: newId() } }] })),
      );
      assert.deepEqual(sent.map((r) => r.body.results[0].status).sort(), ['applied', ...Array(7).fill('duplicate')]);
      const page = await ann.get(`/api/chats/${chatId}/messages?limit=10`);
      assert.deepEqual(page.body.messages.slice(1).map((m: { content: string }) => m.content), ['once']);
    });
  });
}
