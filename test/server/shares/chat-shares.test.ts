import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeLlmServer } from '../../support/fake-llm-server.js';
import { appendOp, createCharacterAndChat, newId } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { SseReader, untilEnd } from '../../support/sse-reader.js';
import { DIALECTS, freshDatabase, unavailable, type TestDatabase } from '../../support/test-databases.js';
import { startTestServer, type TestServer } from '../../support/test-server.js';
import { addUser } from '../../support/users.js';

/*
 * Several people in one chat (issue 12 item 5): alice owns a chat and shares it with bob (write) and carol (read);
 * dave has no share. Each table row is a route and what each of them gets.
 */

const SECRET = 'Alice-private-3b9d';

for (const dialect of DIALECTS) {
  describe(`shared chats (${dialect})`, async () => {
    const skip = await unavailable(dialect);
    const opts = { skip: skip ?? false };
    let db: TestDatabase;
    let server: TestServer;
    let fake: FakeLlmServer;
    const readers: SseReader[] = [];
    const c: Record<'alice' | 'bob' | 'carol' | 'dave', TestClient> = {} as never;
    let chatId: string;
    let privateChatId: string;

    before(async () => {
      if (skip) return;
      fake = await FakeLlmServer.start();
      db = await freshDatabase(dialect);
      server = await startTestServer({ config: { ...db.configKeys, enableUserAccounts: true, backendAllowlist: ['127.0.0.1'], logLevel: 'warn' } });
      for (const handle of ['alice', 'bob', 'carol', 'dave'] as const) {
        await addUser(server, { handle, password: `${handle}-password` });
        c[handle] = new TestClient(server.url);
        assert.equal((await c[handle].login(handle, `${handle}-password`)).status, 200);
      }
      const made = await createCharacterAndChat(c.alice, { name: 'Seraphina', first_mes: 'Welcome, travellers.' });
      chatId = made.chatId;
      // Another chat of alice's, never shared, and a branch of the shared one: neither may show through the share.
      privateChatId = (await createCharacterAndChat(c.alice, { name: SECRET })).chatId;
      const first = (await c.alice.get(`/api/chats/${chatId}/messages`)).body.messages[0];
      assert.equal((await c.alice.post(`/api/chats/${chatId}/branches`, { messageId: first.id, checkpoint: 'Checkpoint' })).status, 201);
      const connection = await c.alice.post('/api/connections', { id: newId(), name: 'Fake', api: 'chat-completions', baseUrl: fake.url, model: 'm' });
      assert.equal(connection.status, 201, JSON.stringify(connection.body));
      assert.equal((await c.alice.post(`/api/chats/${chatId}/shares`, { handle: 'bob', access: 'write' })).status, 200);
      const shared = await c.alice.post(`/api/chats/${chatId}/shares`, { handle: 'carol', access: 'read' });
      assert.deepEqual(shared.body.shares.map((s: any) => [s.handle, s.access]), [['bob', 'write'], ['carol', 'read']]);
    });
    after(async () => {
      if (skip) return;
      for (const reader of readers) reader.close();
      await server.close();
      await db.dispose();
      await fake.close();
    });

    /** The status alone (an export is JSONL, an event stream never ends: the body is not read). */
    const status = async (who: TestClient, method: 'GET' | 'POST' | 'DELETE', path: string, body: unknown = {}) => {
      const headers: Record<string, string> = { cookie: who.cookieHeader, 'x-csrf-token': who.csrfToken ?? '', origin: server.url };
      if (method === 'POST') headers['content-type'] = 'application/json';
      const controller = new AbortController();
      const response = await fetch(server.url + path, { method, headers, body: method === 'POST' ? JSON.stringify(body) : undefined, signal: controller.signal });
      controller.abort();
      return response.status;
    };

    test('who gets what: the owner everything, a write share reads and writes, a read share reads, anyone else a 404', opts, async () => {
      const append = () => ({ ops: [appendOp('a line')] });
      // [method, path, body, alice, bob (write), carol (read), dave (none)]
      const table: [string, string, unknown, number, number, number, number][] = [
        ['GET', `/api/chats/${chatId}`, undefined, 200, 200, 200, 404],
        ['GET', `/api/chats/${chatId}/messages`, undefined, 200, 200, 200, 404],
        ['GET', `/api/chats/${chatId}/export`, undefined, 200, 200, 200, 404],
        ['GET', `/api/chats/${chatId}/tree`, undefined, 200, 200, 200, 404],
        ['GET', `/api/chats/${chatId}/undo`, undefined, 200, 200, 200, 404],
        // What the next reply uses: the owner's choices, since a participant's reply runs on the owner's settings.
        ['GET', `/api/chats/${chatId}/overrides`, undefined, 200, 200, 200, 404],
        ['POST', `/api/chats/${chatId}/ops`, append, 200, 200, 403, 404],
        ['GET', `/api/chats/${chatId}/shares`, undefined, 200, 404, 404, 404],
        ['POST', `/api/chats/${chatId}/shares`, { handle: 'dave', access: 'write' }, -1, 404, 404, 404],
        ['POST', `/api/chats/${chatId}/branches`, { messageId: 'x' }, -1, 404, 404, 404],
        ['POST', `/api/chats/${chatId}/convert-to-group`, {}, -1, 404, 404, 404],
        ['DELETE', `/api/chats/${chatId}`, undefined, -1, 404, 404, 404],
        // Alice's other chat is not shared: the share opens nothing else of hers.
        ['GET', `/api/chats/${privateChatId}`, undefined, 200, 404, 404, 404],
        ['GET', `/api/chats/${privateChatId}/messages`, undefined, 200, 404, 404, 404],
        ['POST', `/api/chats/${privateChatId}/ops`, append, -1, 404, 404, 404],
        ['POST', `/api/chats/${privateChatId}/generate`, { mode: 'new' }, -1, 404, 404, 404],
      ];
      for (const [method, path, body, ...expected] of table) {
        const who = [c.alice, c.bob, c.carol, c.dave] as const;
        for (let i = 0; i < 4; i++) {
          if (expected[i] === -1) continue;
          const sent = typeof body === 'function' ? (body as () => unknown)() : body;
          assert.equal(await status(who[i]!, method as 'GET', path, sent), expected[i], `${['alice', 'bob', 'carol', 'dave'][i]}: ${method} ${path}`);
        }
      }
      // The chat's persona is the owner's choice: a participant's setPersona is refused, with nothing applied.
      const revision = (await c.alice.get(`/api/chats/${chatId}`)).body.revision;
      const persona = await c.bob.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('with it'), { opId: newId(), type: 'setPersona', personaId: null }] });
      assert.equal(persona.status, 403);
      assert.equal((await c.alice.get(`/api/chats/${chatId}`)).body.revision, revision);
      // So are the chat's book (by name) and connection or presets: a participant's reply runs in alice's library, so
      // naming her private book would put its entries in a prompt bob reads (GET /prompt); another of her connections
      // would spend her key where she did not choose it.
      for (const patch of [{ world_info: SECRET }, { parley_overrides: { connectionId: newId() } }, { notes: 'x', world_info: null }]) {
        const chosen = await c.bob.post(`/api/chats/${chatId}/ops`, { ops: [{ opId: newId(), type: 'setMetadata', patch }] });
        assert.equal(chosen.status, 403, JSON.stringify(patch));
      }
      assert.equal((await c.alice.get(`/api/chats/${chatId}`)).body.revision, revision);
      // The rest of the metadata (an Author's Note, variables) stays the participants' to write.
      const note = await c.bob.post(`/api/chats/${chatId}/ops`, { ops: [{ opId: newId(), type: 'setMetadata', patch: { note_prompt: 'Rain.' } }] });
      assert.equal(note.status, 200);
      const own = await c.alice.post(`/api/chats/${chatId}/ops`, { ops: [{ opId: newId(), type: 'setMetadata', patch: { world_info: null } }] });
      assert.equal(own.status, 200);
      // Nothing a participant reads names the private chat; the tree holds the shared chat alone.
      for (const who of [c.bob, c.carol]) {
        for (const path of [`/api/chats/${chatId}`, `/api/chats/${chatId}/tree`, '/api/chats', '/api/chats?limit=10', `/api/chats/${chatId}/messages`]) {
          assert.ok(!JSON.stringify((await who.get(path)).body).includes(SECRET), path);
        }
      }
      assert.deepEqual((await c.bob.get(`/api/chats/${chatId}/tree`)).body.chats.map((x: any) => x.id), [chatId]);
      assert.equal((await c.alice.get(`/api/chats/${chatId}/tree`)).body.chats.length, 2);
    });

    test('a shared chat is in the participant\'s list, marked with its owner; the participant sees it as alice\'s', opts, async () => {
      for (const [who, access] of [[c.bob, 'write'], [c.carol, 'read']] as const) {
        const listed = (await who.get('/api/chats')).body.find((x: any) => x.id === chatId);
        assert.deepEqual(listed.sharedBy, { handle: 'alice', name: 'alice', access });
        assert.equal(listed.characterName, 'Seraphina');
        assert.ok((await who.get('/api/chats?limit=5')).body.some((x: any) => x.id === chatId));
        const chat = (await who.get(`/api/chats/${chatId}`)).body;
        assert.deepEqual([chat.sharedBy.handle, chat.sharedBy.access, chat.characterName], ['alice', access, 'Seraphina']);
      }
      assert.ok(!(await c.dave.get('/api/chats')).body.some((x: any) => x.id === chatId));
      assert.equal((await c.alice.get(`/api/chats/${chatId}`)).body.sharedBy, undefined);
    });

    test('a participant\'s writes reach the owner live, and the owner\'s reach the participants', opts, async () => {
      const aliceEvents = new SseReader(c.alice, '/api/events');
      const carolEvents = new SseReader(c.carol, '/api/events');
      readers.push(aliceEvents, carolEvents);
      await Promise.all([aliceEvents.ready, carolEvents.ready]);
      const message = appendOp('Bob was here.');
      const reply = await c.bob.post(`/api/chats/${chatId}/ops`, { ops: [message] });
      assert.equal(reply.status, 200);
      for (const events of [aliceEvents, carolEvents]) {
        const change = await events.until((e) => e.data.type === 'chat' && e.data.chatId === chatId && e.data.revision === reply.body.revision, 10_000);
        assert.equal(change.data.type, 'chat');
      }
      const seen = (await c.alice.get(`/api/chats/${chatId}/messages`)).body.messages.at(-1);
      assert.deepEqual([seen.id, seen.content], [message.message.id, 'Bob was here.']);
    });

    test('a participant\'s delete goes to the owner\'s trash and the owner hears of it live, as of its undo', opts, async () => {
      const aliceEvents = new SseReader(c.alice, '/api/events');
      const bobEvents = new SseReader(c.bob, '/api/events');
      readers.push(aliceEvents, bobEvents);
      await Promise.all([aliceEvents.ready, bobEvents.ready]);
      const message = appendOp('Bob regrets this.');
      assert.equal((await c.bob.post(`/api/chats/${chatId}/ops`, { ops: [message] })).status, 200);
      const remove = { opId: newId(), type: 'delete', messageId: message.message.id };
      assert.equal((await c.bob.post(`/api/chats/${chatId}/ops`, { ops: [remove] })).status, 200);
      await aliceEvents.until((e) => e.data.type === 'trash', 10_000);
      const trashed = (await c.alice.get('/api/trash')).body.items.filter((item: any) => item.itemId === message.message.id);
      assert.equal(trashed.length, 1);
      // Undoing the delete takes it out of the owner's trash: their trash page hears that too.
      assert.equal((await c.bob.post(`/api/chats/${chatId}/ops`, { ops: [{ opId: newId(), type: 'undo', target: remove.opId }] })).status, 200);
      await aliceEvents.until((e) => e.data.type === 'trash', 10_000);
      assert.ok(!(await c.alice.get('/api/trash')).body.items.some((item: any) => item.itemId === message.message.id));
      // The trash is alice's, not bob's: his stream has nothing to say of it.
      await assert.rejects(bobEvents.until((e) => e.data.type === 'trash', 500), /no server-sent event|until/i);
    });

    test('one generation at a time: a participant generates with the owner\'s connection; the 409 names who is generating', opts, async () => {
      fake.script = { tokens: ['Slowly', ' ', 'now.'], delayMs: 400 };
      const reader = new SseReader(c.bob, `/api/chats/${chatId}/generate`, { method: 'POST', body: { mode: 'new' } });
      readers.push(reader);
      const start = await reader.until((e) => e.event === 'start', 10_000);
      const busy = await c.alice.post(`/api/chats/${chatId}/generate`, { mode: 'new' });
      assert.equal(busy.status, 409);
      assert.equal(busy.body.details.startedBy, 'bob');
      assert.match(busy.body.message, /^bob is generating/);
      // The owner follows it; a read share may follow but not stop it; the owner may stop it.
      assert.equal((await c.carol.post(`/api/generations/${start.data.generationId}/stop`, {})).status, 403);
      assert.equal((await c.dave.post(`/api/generations/${start.data.generationId}/stop`, {})).status, 404);
      assert.equal(await status(c.dave, 'GET', `/api/generations/${start.data.generationId}/stream`), 404);
      const events = await untilEnd(reader);
      assert.equal(events.at(-1)!.event, 'done', JSON.stringify(events.at(-1)));
      const last = (await c.alice.get(`/api/chats/${chatId}/messages`)).body.messages.at(-1);
      assert.deepEqual([last.role, last.content], ['assistant', 'Slowly now.']);
      assert.equal((await c.carol.get(`/api/chats/${chatId}/prompt`)).status, 200);
      assert.equal((await c.dave.get(`/api/chats/${chatId}/prompt`)).status, 404);
      assert.equal((await c.carol.post(`/api/chats/${chatId}/generate`, { mode: 'new' })).status, 403);
      fake.script = {};
    });

    test('unsharing takes effect at once: the next read is a 404 and the open event stream hears nothing more', opts, async () => {
      const bobEvents = new SseReader(c.bob, '/api/events');
      readers.push(bobEvents);
      await bobEvents.ready;
      // Bob follows alice's reply as it is written; the unshare ends his stream there, not when the reply is done.
      fake.script = { tokens: ['One', ' two', ' three', ' four', ' five', ' six'], delayMs: 300 };
      const aliceReply = new SseReader(c.alice, `/api/chats/${chatId}/generate`, { method: 'POST', body: { mode: 'new' } });
      readers.push(aliceReply);
      const start = await aliceReply.until((e) => e.event === 'start', 10_000);
      const bobFollows = new SseReader(c.bob, `/api/generations/${start.data.generationId}/stream`);
      readers.push(bobFollows);
      await bobFollows.until((e) => e.event === 'token', 10_000);
      assert.equal((await c.alice.delete(`/api/chats/${chatId}/shares/bob`)).status, 204);
      const followed = await untilEnd(bobFollows);
      assert.ok(bobFollows.ended, 'his stream ended');
      assert.ok(!followed.some((e) => e.event === 'done'), `the end of the reply did not reach him: ${JSON.stringify(followed)}`);
      assert.equal((await untilEnd(aliceReply)).at(-1)!.event, 'done', 'the reply itself goes on');
      fake.script = {};
      assert.deepEqual((await bobEvents.until((e) => e.data.type === 'shares', 10_000)).data.chatId, chatId);
      assert.equal((await c.bob.get(`/api/chats/${chatId}`)).status, 404);
      assert.equal((await c.bob.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('still here?')] })).status, 404);
      assert.ok(!(await c.bob.get('/api/chats')).body.some((x: any) => x.id === chatId));
      const reply = await c.alice.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('After bob left.')] });
      assert.equal(reply.status, 200);
      await assert.rejects(bobEvents.until((e) => e.data.chatId === chatId, 1_000), /no server-sent event|until/i);
      // A participant may leave by themselves; another's share is not theirs to remove.
      assert.equal((await c.carol.delete(`/api/chats/${chatId}/shares/dave`)).status, 404);
      assert.equal((await c.carol.delete(`/api/chats/${chatId}/shares/carol`)).status, 204);
      assert.equal((await c.carol.get(`/api/chats/${chatId}`)).status, 404);
    });

    test('bad shares are refused and store nothing', opts, async () => {
      assert.equal((await c.alice.post(`/api/chats/${chatId}/shares`, { handle: 'nobody', access: 'write' })).status, 404);
      assert.equal((await c.alice.post(`/api/chats/${chatId}/shares`, { handle: 'alice', access: 'write' })).status, 400);
      assert.equal((await c.alice.post(`/api/chats/${chatId}/shares`, { handle: 'bob', access: 'admin' })).status, 400);
      assert.equal((await c.alice.post(`/api/chats/${chatId}/shares`, { handle: '../x', access: 'read' })).status, 400);
      assert.deepEqual((await c.alice.get(`/api/chats/${chatId}/shares`)).body.shares, []);
      // Sharing again changes the access; the chat going to the trash takes it from the participant too.
      await c.alice.post(`/api/chats/${chatId}/shares`, { handle: 'dave', access: 'read' });
      await c.alice.post(`/api/chats/${chatId}/shares`, { handle: 'dave', access: 'write' });
      assert.deepEqual((await c.alice.get(`/api/chats/${chatId}/shares`)).body.shares.map((s: any) => [s.handle, s.access]), [['dave', 'write']]);
      assert.equal((await c.alice.delete(`/api/chats/${chatId}`)).status, 204);
      assert.equal((await c.dave.get(`/api/chats/${chatId}`)).status, 404);
      assert.ok(!(await c.dave.get('/api/chats')).body.some((x: any) => x.id === chatId));
    });
  });
}
