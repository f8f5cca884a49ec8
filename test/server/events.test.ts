import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { appendOp, createCharacterAndChat, newId } from '../support/fixtures.js';
import { TestClient } from '../support/http-client.js';
import { createPostgresSchema, postgresUnavailable } from '../support/postgres.js';
import { SseReader } from '../support/sse-reader.js';
import { startTestServer } from '../support/test-server.js';
import { addUser } from '../support/users.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test('another tab hears of a chat change, with the origin of the tab that made it', async () => {
  const server = await startTestServer();
  cleanups.push(() => server.close());
  const tabA = new TestClient(server.url);
  await tabA.session();
  const tabB = tabA.sameBrowser();
  const { chatId } = await createCharacterAndChat(tabA);
  const events = new SseReader(tabB, '/api/events');
  cleanups.push(async () => events.close());
  await events.ready;
  assert.equal(events.status, 200);

  const reply = await tabA.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('hello')] }, { headers: { 'x-parley-client': 'tab-a' } });
  const change = await events.until((e) => e.data.type === 'chat');
  assert.deepEqual(change.data, { type: 'chat', chatId, revision: reply.body.revision, origin: 'tab-a' });

  await tabA.patch('/api/settings', { opId: newId(), patch: { theme: 'dark' } });
  assert.deepEqual((await events.until((e) => e.data.type === 'settings')).data, { type: 'settings', revision: 1 });
});

test("a user's stream carries nothing of another user's changes; no session, no stream", async () => {
  const server = await startTestServer({ config: { enableUserAccounts: true } });
  cleanups.push(() => server.close());
  await addUser(server, { handle: 'ann', password: 'ann-password' });
  await addUser(server, { handle: 'ben', password: 'ben-password' });
  const ann = new TestClient(server.url);
  const ben = new TestClient(server.url);
  await ann.login('ann', 'ann-password');
  await ben.login('ben', 'ben-password');
  const benEvents = new SseReader(ben, '/api/events');
  cleanups.push(async () => benEvents.close());
  await benEvents.ready;
  await createCharacterAndChat(ann);
  await assert.rejects(benEvents.next(300), /no server-sent event/);

  const anonymous = new SseReader(new TestClient(server.url), '/api/events');
  await anonymous.ready;
  assert.equal(anonymous.status, 401);
  anonymous.close();
});

test('with PostgreSQL, a write through one node reaches a tab listening on another node', async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable) return t.skip(unavailable);
  const schema = await createPostgresSchema();
  cleanups.push(() => schema.drop());
  const config = { database: { url: schema.url } };
  const nodeA = await startTestServer({ config });
  cleanups.push(() => nodeA.close());
  const nodeB = await startTestServer({ config });
  cleanups.push(() => nodeB.close());

  const onA = new TestClient(nodeA.url);
  await onA.session();
  const onB = onA.sameBrowser(nodeB.url);
  assert.equal((await onB.session()).body.csrfToken, onA.csrfToken, 'the session is shared through the database');
  const { chatId } = await createCharacterAndChat(onA);
  const events = new SseReader(onB, '/api/events');
  cleanups.push(async () => events.close());
  await events.ready;
  const reply = await onA.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('across nodes')] });
  // NOTIFY crosses a second connection, so the notice of the chat's creation may still arrive after B subscribed:
  // wait for the one of this write. Allow for a loaded CI machine.
  const change = await events.until(
    (e) => e.data.type === 'chat' && e.data.chatId === chatId && e.data.revision === reply.body.revision,
    15_000,
  );
  assert.equal(change.data.origin, undefined);
  const page = await onB.get(`/api/chats/${chatId}/messages`);
  assert.equal(page.body.messages.at(-1).content, 'across nodes');
});

test('with PostgreSQL, signing out through one node ends the event stream the session holds open on another', async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable) return t.skip(unavailable);
  const schema = await createPostgresSchema();
  cleanups.push(() => schema.drop());
  const config = { database: { url: schema.url }, enableUserAccounts: true };
  const nodeA = await startTestServer({ config });
  cleanups.push(() => nodeA.close());
  const nodeB = await startTestServer({ config });
  cleanups.push(() => nodeB.close());
  await addUser(nodeA, { handle: 'ann', password: 'ann-password' });

  const onA = new TestClient(nodeA.url);
  assert.equal((await onA.login('ann', 'ann-password')).status, 200);
  const onB = onA.sameBrowser(nodeB.url);
  const otherDevice = new TestClient(nodeB.url);
  assert.equal((await otherDevice.login('ann', 'ann-password')).status, 200);
  const events = new SseReader(onB, '/api/events');
  const otherEvents = new SseReader(otherDevice, '/api/events');
  cleanups.push(async () => {
    events.close();
    otherEvents.close();
  });
  await Promise.all([events.ready, otherEvents.ready]);
  assert.equal(events.status, 200);
  assert.equal((await onA.post('/api/auth/logout')).status, 204);
  assert.equal(await events.next(15_000), null, 'the signed-out session\'s stream ended');
  await assert.rejects(otherEvents.next(300), /no server-sent event/, "another session's stream stays open");
});

test("an event stream ends when its session expires, not before: another tab's request slides it, and the stream follows", async () => {
  const server = await startTestServer({ config: { sessionTimeout: 2 } });
  cleanups.push(() => server.close());
  const tab = new TestClient(server.url);
  await tab.session();
  const started = Date.now();
  const events = new SseReader(tab.sameBrowser(), '/api/events');
  cleanups.push(async () => events.close());
  await events.ready;
  assert.equal(events.status, 200);
  // 1.2 s in, another tab's request slides the session to ~3.2 s.
  await new Promise((resolve) => setTimeout(resolve, 1200));
  assert.equal((await tab.get('/api/session')).status, 200);
  // Past the first expiry (2 s), the stream is still open: nothing ended it.
  await assert.rejects(events.next(1300), /no server-sent event/);
  // Past the slid one, it ends (a heartbeat is 25 s away, so the end is the expiry's doing).
  assert.equal(await events.next(4000), null, 'the expired session\'s stream ended');
  const lived = Date.now() - started;
  assert.ok(lived >= 3000 && lived < 6500, `ended ${lived} ms after it opened`);
});
