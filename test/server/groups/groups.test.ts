import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeCard, newId } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { startTestServer, type TestServer } from '../../support/test-server.js';
import { DIALECTS, freshDatabase, unavailable, type TestDatabase } from '../../support/test-databases.js';
import { addUser } from '../../support/users.js';

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

    test('deleting a group deletes its chats, not its characters', { skip: skip ?? false }, async () => {
      const a = await character('Ivo');
      const group = (await client.post('/api/groups', { name: 'Solo', memberIds: [a] })).body;
      const chat = (await client.post('/api/chats', { groupId: group.id })).body;
      assert.equal((await client.delete(`/api/groups/${group.id}`)).status, 204);
      assert.equal((await client.get(`/api/chats/${chat.id}`)).status, 404);
      assert.equal((await client.get(`/api/characters/${a}`)).status, 200);
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
