import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { appendOp, makeCard, newId } from '../../support/fixtures.js';
import { sweepTrash } from '../../../src/server/services/trash.js';
import { TestClient } from '../../support/http-client.js';
import { startTestServer, type TestServer } from '../../support/test-server.js';
import { DIALECTS, freshDatabase, unavailable, type TestDatabase } from '../../support/test-databases.js';
import { addUser, userIdOf } from '../../support/users.js';

for (const dialect of DIALECTS) {
  describe(`groups (${dialect})`, async () => {
    const skip = await unavailable(dialect);
    let db: TestDatabase;
    let server: TestServer;
    let client: TestClient;
    before(async () => {
      if (skip) return;
      db = await freshDatabase(dialect);
      server = await startTestServer({ config: { ...db.configKeys, enableUserAccounts: true } });
      await addUser(server, { handle: 'alice', password: 'alice-password' });
      await addUser(server, { handle: 'mallory', password: 'mallory-password' });
      client = new TestClient(server.url);
      assert.equal((await client.login('alice', 'alice-password')).status, 200);
    });
    after(async () => {
      if (skip) return;
      await server.close();
      await db.dispose();
    });

    const userId = () => userIdOf(server, client);

    const character = async (name: string, first_mes = `${name} says hello.`) => {
      const reply = await client.post('/api/characters', { card: makeCard({ name, first_mes }) });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      return reply.body.id as string;
    };

    test('create (idempotent by id), list, read, edit members, mute, settings, favourite, tags', { skip: skip ?? false }, async () => {
      const [a, b, c] = [await character('Alice'), await character('Bob'), await character('Carol')];
      const id = newId();
      const body = { id, name: 'Party', memberIds: [a, b], tags: ['quest'] };
      const created = await client.post('/api/groups', body);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.deepEqual(created.body.members.map((m: any) => [m.name, m.muted, m.missing]), [['Alice', false, false], ['Bob', false, false]]);
      assert.equal(created.body.settings.strategy, 'natural');
      assert.equal(created.body.settings.promptMode, 'swap');
      assert.equal((await client.post('/api/groups', body)).status, 200, 'a retried create returns the first group');

      const patched = await client.patch(`/api/groups/${id}`, {
        memberIds: [c, a, b],
        mutedIds: [b],
        settings: { strategy: 'pooled', scenario: 'A tavern.', allowSelfResponses: true },
        favourite: true,
      });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.deepEqual(patched.body.members.map((m: any) => [m.name, m.muted]), [['Carol', false], ['Alice', false], ['Bob', true]]);
      assert.equal(patched.body.settings.strategy, 'pooled');
      assert.equal(patched.body.settings.promptMode, 'swap', 'settings not named stay');
      assert.equal(patched.body.favourite, true);
      assert.deepEqual(patched.body.tags, ['quest']);

      const list = await client.get('/api/groups');
      assert.deepEqual(list.body.map((g: any) => g.name), ['Party']);
      assert.equal((await client.get(`/api/groups/${id}`)).body.revision, 2);
    });

    test('a group chat opens with the unmuted members\' greetings, each naming its speaker', { skip: skip ?? false }, async () => {
      const [a, b, c] = [await character('Dana'), await character('Eli'), await character('Fay', '')];
      const group = (await client.post('/api/groups', { name: 'Trio', memberIds: [a, b, c] })).body;
      await client.patch(`/api/groups/${group.id}`, { mutedIds: [b] });
      const chat = await client.post('/api/chats', { groupId: group.id });
      assert.equal(chat.status, 201, JSON.stringify(chat.body));
      assert.equal(chat.body.groupId, group.id);
      assert.equal(chat.body.characterId, null);
      const page = await client.get(`/api/chats/${chat.body.id}/messages`);
      assert.deepEqual(page.body.messages.map((m: any) => [m.name, m.content, m.speakerId]), [['Dana', 'Dana says hello.', a]]);
      const listed = await client.get(`/api/chats?groupId=${group.id}`);
      assert.deepEqual(listed.body.map((x: any) => x.id), [chat.body.id]);
      assert.equal((await client.get('/api/groups')).body.find((g: any) => g.id === group.id).chatCount, 1);
    });

    test('a deleted member is named as missing; the group and its chat still open', { skip: skip ?? false }, async () => {
      const [a, b] = [await character('Gus'), await character('Hana')];
      const group = (await client.post('/api/groups', { name: 'Pair', memberIds: [a, b] })).body;
      const chat = (await client.post('/api/chats', { groupId: group.id })).body;
      assert.equal((await client.delete(`/api/characters/${b}`)).status, 204);
      const read = await client.get(`/api/groups/${group.id}`);
      assert.deepEqual(read.body.members.map((m: any) => [m.name, m.missing]), [['Gus', false], ['Hana', true]]);
      assert.equal((await client.get(`/api/chats/${chat.id}/messages`)).status, 200);
    });

    test('deleting a group puts it in the trash with its chats; a restore brings back every word; the purge waits for its time', { skip: skip ?? false }, async () => {
      const [a, b] = [await character('Ivo'), await character('Jill')];
      const group = (await client.post('/api/groups', { name: 'Bin pair', memberIds: [a, b] })).body;
      const kept = (await client.post('/api/chats', { groupId: group.id })).body;
      const alone = (await client.post('/api/chats', { groupId: group.id })).body;
      const words = Array.from({ length: 5 }, (_, i) => appendOp(`word ${i}`, i % 2 ? 'assistant' : 'user'));
      assert.equal((await client.post(`/api/chats/${kept.id}/ops`, { ops: words })).status, 200);
      const before = (await client.get(`/api/chats/${kept.id}/messages?limit=1000`)).body.messages;
      // A chat deleted on its own before the group stays in the trash when the group comes back.
      assert.equal((await client.delete(`/api/chats/${alone.id}`)).status, 204);

      assert.equal((await client.delete(`/api/groups/${group.id}`)).status, 204);
      assert.equal((await client.get(`/api/groups/${group.id}`)).status, 404);
      assert.equal((await client.get(`/api/chats/${kept.id}`)).status, 404);
      assert.equal((await client.post(`/api/chats/${kept.id}/ops`, { ops: [appendOp('into the trash?')] })).status, 404);
      assert.equal((await client.post('/api/chats', { groupId: group.id })).status, 404, 'no new chat in a trashed group');
      assert.ok(!(await client.get('/api/groups')).body.some((g: any) => g.id === group.id));
      assert.equal((await client.delete(`/api/groups/${group.id}`)).status, 404, 'a second delete finds nothing');
      assert.equal((await client.get(`/api/characters/${a}`)).status, 200, 'its characters stay');

      const trash = (await client.get('/api/trash')).body;
      const groupEntry = trash.items.find((i: any) => i.itemId === group.id);
      assert.deepEqual([groupEntry.kind, groupEntry.label], ['group', 'Bin pair']);
      const aloneEntry = trash.items.find((i: any) => i.itemId === alone.id);
      assert.equal((await client.post(`/api/trash/${aloneEntry.id}/restore`, {})).status, 409, 'a chat waits for its group');

      assert.equal((await client.post(`/api/trash/${groupEntry.id}/restore`, {})).status, 200);
      assert.equal((await client.get(`/api/groups/${group.id}`)).body.name, 'Bin pair');
      assert.deepEqual((await client.get(`/api/chats/${kept.id}/messages?limit=1000`)).body.messages, before, 'nothing lost');
      assert.equal((await client.get(`/api/chats/${alone.id}`)).status, 404, 'the chat trashed on its own is still in the trash');
      assert.deepEqual((await client.get(`/api/chats?groupId=${group.id}`)).body.map((c: any) => c.id), [kept.id]);
      assert.equal((await client.post(`/api/trash/${aloneEntry.id}/restore`, {})).status, 200);

      // Deleted again: the sweep leaves it until its time, then purges the group and its chats for good.
      assert.equal((await client.delete(`/api/groups/${group.id}`)).status, 204);
      const entry = (await client.get('/api/trash')).body.items.find((i: any) => i.itemId === group.id);
      await sweepTrash(server.store, Date.now());
      assert.ok((await client.get('/api/trash')).body.items.some((i: any) => i.id === entry.id), 'nothing expires early');
      await sweepTrash(server.store, Date.parse(entry.expiresAt) + 1);
      assert.ok(!(await client.get('/api/trash')).body.items.some((i: any) => i.id === entry.id));
      assert.equal(await server.store.groups.trash.idOf(await userId(), group.id), undefined, 'the group row is gone');
      assert.equal(await server.store.chats.getAny(await userId(), kept.id), undefined, 'its chats are gone');
      assert.equal((await client.post(`/api/trash/${entry.id}/restore`, {})).status, 404);
      assert.equal((await client.get(`/api/characters/${b}`)).status, 200);
    });

    test("a branch of a group chat is the group's chat too: listed with it, its speakers kept, trashed with it", { skip: skip ?? false }, async () => {
      const [a, b] = [await character('Gil'), await character('Hal')];
      const group = (await client.post('/api/groups', { name: 'Duo', memberIds: [a, b] })).body;
      const chat = (await client.post('/api/chats', { groupId: group.id })).body;
      await client.post(`/api/chats/${chat.id}/ops`, { ops: [appendOp('onwards')] });
      const [greeting] = (await client.get(`/api/chats/${chat.id}/messages`)).body.messages;
      const branch = await client.post(`/api/chats/${chat.id}/branches`, { messageId: greeting.id });
      assert.equal(branch.status, 201, JSON.stringify(branch.body));
      assert.equal(branch.body.groupId, group.id, 'the branch belongs to the group');
      assert.equal(branch.body.characterId, null);
      const listed = (await client.get(`/api/chats?groupId=${group.id}`)).body.map((x: any) => x.id);
      assert.deepEqual(listed.sort(), [chat.id, branch.body.id].sort());
      const copied = (await client.get(`/api/chats/${branch.body.id}/messages`)).body.messages;
      assert.deepEqual(copied.map((m: any) => [m.id, m.speakerId]), [[greeting.id, greeting.speakerId]]);
      // Deleting the group takes the branch with it; a restore brings it back.
      assert.equal((await client.delete(`/api/groups/${group.id}`)).status, 204);
      assert.equal((await client.get(`/api/chats/${branch.body.id}`)).status, 404);
      const entry = (await client.get('/api/trash')).body.items.find((i: any) => i.itemId === group.id);
      assert.equal((await client.post(`/api/trash/${entry.id}/restore`, {})).status, 200);
      assert.equal((await client.get(`/api/chats/${branch.body.id}`)).body.groupId, group.id);
    });

    test('convert a 1:1 chat into a group: a new group and chat with a copy of every message; the 1:1 chat stays', { skip: skip ?? false }, async () => {
      const reply = await client.post('/api/characters', { card: makeCard({ name: 'Kit', first_mes: 'Kit waves.', tags: ['cat'], extensions: { fav: true } }) });
      const kit = reply.body.id as string;
      const solo = (await client.post('/api/chats', { characterId: kit })).body;
      const words = [appendOp('Hi Kit.'), appendOp('Meow, hello.', 'assistant'), appendOp('How are you?')];
      const setMeta = { opId: newId(), type: 'setMetadata', patch: { world_info: 'Some Book', main_chat: 'Parent chat' } };
      assert.equal((await client.post(`/api/chats/${solo.id}/ops`, { ops: [...words, setMeta] })).status, 200);
      const before = (await client.get(`/api/chats/${solo.id}/messages?limit=1000`)).body.messages;
      const soloHeader = (await client.get(`/api/chats/${solo.id}`)).body;

      const ids = { groupId: newId(), chatId: newId() };
      const converted = await client.post(`/api/chats/${solo.id}/convert-to-group`, ids);
      assert.equal(converted.status, 201, JSON.stringify(converted.body));
      const { group, chat } = converted.body;
      assert.deepEqual([group.id, group.name, group.members.map((m: any) => m.characterId), group.favourite, group.tags, group.settings.strategy],
        [ids.groupId, 'Group: Kit', [kit], true, ['cat'], 'natural']);
      assert.deepEqual([chat.id, chat.groupId, chat.characterId], [ids.chatId, group.id, null]);
      const copied = (await client.get(`/api/chats/${chat.id}/messages?limit=1000`)).body.messages;
      assert.deepEqual(copied.map((m: any) => [m.id, m.role, m.content, m.name, m.speakerId ?? null]),
        before.map((m: any) => [m.id, m.role, m.content, m.role === 'assistant' ? 'Kit' : m.name, m.role === 'assistant' ? kit : null]), 'every message, replies spoken by the member');
      const header = (await client.get(`/api/chats/${chat.id}`)).body;
      assert.equal(header.metadata.world_info, 'Some Book');
      assert.equal(header.metadata.main_chat, undefined, 'main_chat is left behind');
      assert.equal((await client.post(`/api/chats/${solo.id}/convert-to-group`, ids)).status, 200, 'a retry returns the first');

      // The 1:1 chat is untouched; a second conversion names the group apart; a group chat is not converted.
      assert.deepEqual((await client.get(`/api/chats/${solo.id}/messages?limit=1000`)).body.messages, before);
      assert.equal((await client.get(`/api/chats/${solo.id}`)).body.revision, soloHeader.revision);
      const again = await client.post(`/api/chats/${solo.id}/convert-to-group`, {});
      assert.equal(again.body.group.name, 'Group: Kit (1)');
      assert.equal((await client.post(`/api/chats/${chat.id}/convert-to-group`, {})).status, 400);
      // The new chat goes on as a group chat.
      assert.equal((await client.post(`/api/chats/${chat.id}/ops`, { ops: [appendOp('Still here.')] })).status, 200);
      const other = new TestClient(server.url);
      assert.equal((await other.login('mallory', 'mallory-password')).status, 200);
      assert.equal((await other.post(`/api/chats/${solo.id}/convert-to-group`, {})).status, 404);
    });

    test('bad input is a 4xx and stores nothing; another account sees none of it', { skip: skip ?? false }, async () => {
      const a = await character('Jo');
      const before = (await client.get('/api/groups')).body.length;
      for (const body of [
        { name: 'X', memberIds: [] },
        { name: '', memberIds: [a] },
        { name: 'X', memberIds: [a, a] },
        { name: 'X', memberIds: ['no-such-character'] },
        { name: 'X', memberIds: ['../etc'] },
        { name: 'X', memberIds: [a], settings: { strategy: 'loudest' } },
      ]) {
        const reply = await client.post('/api/groups', body);
        assert.ok(reply.status >= 400 && reply.status < 500, `${JSON.stringify(body)}: ${reply.status}`);
      }
      assert.equal((await client.get('/api/groups')).body.length, before);
      const group = (await client.post('/api/groups', { name: 'Mine', memberIds: [a] })).body;
      assert.equal((await client.patch(`/api/groups/${group.id}`, { mutedIds: ['someone-else'] })).status, 400);
      assert.equal((await client.post('/api/chats', { characterId: a, groupId: group.id })).status, 400);

      const other = new TestClient(server.url);
      assert.equal((await other.login('mallory', 'mallory-password')).status, 200);
      assert.equal((await other.get(`/api/groups/${group.id}`)).status, 404);
      assert.equal((await other.patch(`/api/groups/${group.id}`, { name: 'Stolen' })).status, 404);
      assert.equal((await other.post('/api/chats', { groupId: group.id })).status, 404);
      assert.equal((await other.delete(`/api/groups/${group.id}`)).status, 404);
      assert.deepEqual((await other.get('/api/groups')).body, []);
    });
  });
}
