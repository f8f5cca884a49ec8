import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appendOp, createCharacterAndChat, makeCard, newId } from '../support/fixtures.js';
import { TestClient } from '../support/http-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { addUser } from '../support/users.js';

let server: TestServer;
let alice: TestClient;
let bob: TestClient;

before(async () => {
  server = await startTestServer({ config: { enableUserAccounts: true } });
  await addUser(server, { handle: 'alice', password: 'alice-password' });
  await addUser(server, { handle: 'bob', password: 'bob-password' });
  alice = new TestClient(server.url);
  bob = new TestClient(server.url);
  assert.equal((await alice.login('alice', 'alice-password')).status, 200);
  assert.equal((await bob.login('bob', 'bob-password')).status, 200);
});
after(() => server.close());

test("user B can neither read nor change user A's characters, chats, settings or personas", async () => {
  const { characterId, chatId } = await createCharacterAndChat(alice, { name: 'Private' });
  await alice.patch('/api/settings', { opId: newId(), patch: { secret: 'alice' } });
  const personaId = newId();
  await alice.post('/api/personas', { id: personaId, name: 'Alice persona' });

  assert.deepEqual((await bob.get('/api/characters')).body, []);
  assert.deepEqual((await bob.get('/api/chats')).body, []);
  assert.deepEqual((await bob.get(`/api/chats?characterId=${characterId}`)).body, []);
  assert.deepEqual((await bob.get('/api/settings')).body.values, {});
  assert.deepEqual((await bob.get('/api/personas')).body, []);

  const attempts = [
    await bob.get(`/api/characters/${characterId}`),
    await bob.put(`/api/characters/${characterId}`, { card: makeCard({ name: 'Stolen' }) }),
    await bob.delete(`/api/characters/${characterId}`),
    await bob.get(`/api/chats/${chatId}`),
    await bob.get(`/api/chats/${chatId}/messages`),
    await bob.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('intruder')] }),
    await bob.delete(`/api/chats/${chatId}`),
    await bob.post('/api/chats', { characterId }),
    await bob.patch(`/api/personas/${personaId}`, { opId: newId(), patch: { name: 'x' } }),
    await bob.delete(`/api/personas/${personaId}`),
  ];
  for (const reply of attempts) assert.equal(reply.status, 404, JSON.stringify(reply.body));
  // A chat id Alice already uses cannot be claimed by Bob either.
  const bobCharacter = await bob.post('/api/characters', { card: makeCard() });
  const claim = await bob.post('/api/chats', { characterId: bobCharacter.body.id, id: chatId });
  assert.equal(claim.status, 409);

  const aliceChat = (await alice.get(`/api/chats/${chatId}`)).body;
  assert.equal(aliceChat.messageCount, 1);
  assert.equal((await alice.get(`/api/characters/${characterId}`)).body.card.data.name, 'Private');
  assert.equal((await alice.get('/api/personas')).body[0].name, 'Alice persona');
});

test('without a session every data route answers 401 not_authenticated', async () => {
  const anonymous = new TestClient(server.url);
  for (const path of ['/api/characters', '/api/chats', '/api/settings', '/api/personas']) {
    const reply = await anonymous.get(path);
    assert.equal(reply.status, 401);
    assert.equal(reply.body.error, 'not_authenticated');
  }
});
