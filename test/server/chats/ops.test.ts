import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
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

const messages = async (chatId: string, query = '') => (await client.get(`/api/chats/${chatId}/messages${query}`)).body;

describe('chats', () => {
  test('a new chat opens with the greeting; alternate greetings are its swipes', async () => {
    const { chatId, chat } = await createCharacterAndChat(client, { alternate_greetings: ['Hello again.', 'Oh, you.'] });
    assert.equal(chat.revision, 1);
    assert.equal(chat.messageCount, 1);
    const page = await messages(chatId);
    assert.equal(page.messages.length, 1);
    const [greeting] = page.messages;
    assert.equal(greeting.seq, 0);
    assert.equal(greeting.role, 'assistant');
    assert.equal(greeting.content, 'Welcome, traveller.');
    assert.deepEqual(greeting.swipes, ['Welcome, traveller.', 'Hello again.', 'Oh, you.']);
    assert.equal(greeting.swipeIndex, 0);
  });

  test('a create retried with the same client id returns the first chat', async () => {
    const character = await client.post('/api/characters', { card: (await import('../../support/fixtures.js')).makeCard() });
    const id = newId();
    const first = await client.post('/api/chats', { characterId: character.body.id, id });
    const again = await client.post('/api/chats', { characterId: character.body.id, id });
    assert.equal(first.status, 201);
    assert.equal(again.status, 200);
    assert.equal(again.body.id, id);
    const list = await client.get(`/api/chats?characterId=${character.body.id}`);
    assert.equal(list.body.length, 1);
  });

  test('lists chats per character, renames through setTitle, deletes', async () => {
    const { chatId, characterId } = await createCharacterAndChat(client);
    const ops = await client.post(`/api/chats/${chatId}/ops`, { ops: [{ opId: newId(), type: 'setTitle', title: 'Renamed' }] });
    assert.equal(ops.body.results[0].status, 'applied');
    const list = await client.get(`/api/chats?characterId=${characterId}`);
    assert.deepEqual(
      list.body.map((c: { title: string }) => c.title),
      ['Renamed'],
    );
    assert.equal((await client.delete(`/api/chats/${chatId}`)).status, 204);
    assert.equal((await client.get(`/api/chats/${chatId}`)).status, 404);
    assert.equal((await client.delete(`/api/chats/${chatId}`)).status, 404);
  });
});

describe('POST /api/chats/:id/ops', () => {
  test('append assigns increasing seqs and moves the revision once per op', async () => {
    const { chatId } = await createCharacterAndChat(client);
    const reply = await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('one'), appendOp('two', 'assistant')] });
    assert.equal(reply.status, 200);
    assert.deepEqual(
      reply.body.results.map((r: { status: string; seq: number }) => [r.status, r.seq]),
      [
        ['applied', 1],
        ['applied', 2],
      ],
    );
    assert.equal(reply.body.revision, 3);
    const chat = (await client.get(`/api/chats/${chatId}`)).body;
    assert.equal(chat.revision, 3);
    assert.equal(chat.messageCount, 3);
    const page = await messages(chatId);
    assert.deepEqual(
      page.messages.map((m: { content: string }) => m.content),
      ['Welcome, traveller.', 'one', 'two'],
    );
  });

  test('a resent opId answers duplicate and changes nothing', async () => {
    const { chatId } = await createCharacterAndChat(client);
    const op = appendOp('only once');
    const first = await client.post(`/api/chats/${chatId}/ops`, { ops: [op] });
    const second = await client.post(`/api/chats/${chatId}/ops`, { ops: [op] });
    assert.equal(first.body.results[0].status, 'applied');
    assert.equal(second.body.results[0].status, 'duplicate');
    assert.equal(second.body.revision, first.body.revision);
    assert.equal((await messages(chatId)).messages.length, 2);
  });

  test('an append of an existing message id under a new opId is a duplicate too, never a 500', async () => {
    const { chatId } = await createCharacterAndChat(client);
    const op = appendOp('hello');
    await client.post(`/api/chats/${chatId}/ops`, { ops: [op] });
    const again = await client.post(`/api/chats/${chatId}/ops`, { ops: [{ ...op, opId: newId() }] });
    assert.equal(again.status, 200);
    assert.equal(again.body.results[0].status, 'duplicate');
    assert.equal((await messages(chatId)).messages.length, 2);
  });

  test('an edit on a stale baseRevision of the same message is a conflict carrying the current message', async () => {
    const { chatId } = await createCharacterAndChat(client);
    const op = appendOp('draft');
    const appended = await client.post(`/api/chats/${chatId}/ops`, { ops: [op] });
    const base = appended.body.revision;
    const tabA = await client.post(`/api/chats/${chatId}/ops`, {
      ops: [{ opId: newId(), type: 'edit', messageId: op.message.id, content: 'from tab A', baseRevision: base }],
    });
    assert.equal(tabA.body.results[0].status, 'applied');
    // Tab B appends meanwhile (appends never conflict), then edits from the old base.
    const tabB = await client.post(`/api/chats/${chatId}/ops`, {
      ops: [appendOp('tab B message'), { opId: newId(), type: 'edit', messageId: op.message.id, content: 'from tab B', baseRevision: base }],
    });
    assert.equal(tabB.body.results[0].status, 'applied');
    assert.equal(tabB.body.results[1].status, 'conflict');
    assert.equal(tabB.body.results[1].current.content, 'from tab A');
    const contents = (await messages(chatId)).messages.map((m: { content: string }) => m.content);
    assert.deepEqual(contents, ['Welcome, traveller.', 'from tab A', 'tab B message']);
  });

  test('an edit on a base older than another message\'s change still applies (no false conflicts)', async () => {
    const { chatId } = await createCharacterAndChat(client);
    const a = appendOp('a');
    const r1 = await client.post(`/api/chats/${chatId}/ops`, { ops: [a] });
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('b')] });
    const edit = await client.post(`/api/chats/${chatId}/ops`, {
      ops: [{ opId: newId(), type: 'edit', messageId: a.message.id, content: 'a2', baseRevision: r1.body.revision }],
    });
    assert.equal(edit.body.results[0].status, 'applied');
  });

  test('swipes: addSwipe selects the new swipe, selectSwipe moves between them, edit changes the shown swipe', async () => {
    const { chatId } = await createCharacterAndChat(client);
    const reply = appendOp('first answer', 'assistant');
    await client.post(`/api/chats/${chatId}/ops`, { ops: [reply] });
    const id = reply.message.id;
    await client.post(`/api/chats/${chatId}/ops`, { ops: [{ opId: newId(), type: 'addSwipe', messageId: id, content: 'second answer' }] });
    let last = (await messages(chatId)).messages.at(-1);
    assert.deepEqual(last.swipes, ['first answer', 'second answer']);
    assert.equal(last.swipeIndex, 1);
    assert.equal(last.content, 'second answer');
    await client.post(`/api/chats/${chatId}/ops`, {
      ops: [
        { opId: newId(), type: 'selectSwipe', messageId: id, index: 0 },
        { opId: newId(), type: 'edit', messageId: id, content: 'first, edited' },
      ],
    });
    last = (await messages(chatId)).messages.at(-1);
    assert.deepEqual(last.swipes, ['first, edited', 'second answer']);
    assert.equal(last.content, 'first, edited');
    const bad = await client.post(`/api/chats/${chatId}/ops`, { ops: [{ opId: newId(), type: 'selectSwipe', messageId: id, index: 5 }] });
    assert.equal(bad.body.results[0].status, 'conflict');
  });

  test('delete removes the message; deleting it again is applied and harmless', async () => {
    const { chatId } = await createCharacterAndChat(client);
    const op = appendOp('to be removed');
    await client.post(`/api/chats/${chatId}/ops`, { ops: [op] });
    const del = { opId: newId(), type: 'delete', messageId: op.message.id };
    assert.equal((await client.post(`/api/chats/${chatId}/ops`, { ops: [del] })).body.results[0].status, 'applied');
    assert.equal((await client.post(`/api/chats/${chatId}/ops`, { ops: [{ ...del, opId: newId() }] })).body.results[0].status, 'applied');
    assert.equal((await messages(chatId)).messages.length, 1);
    assert.equal((await client.get(`/api/chats/${chatId}`)).body.messageCount, 1);
  });

  test('setMetadata merges (null removes a key)', async () => {
    const { chatId } = await createCharacterAndChat(client);
    await client.post(`/api/chats/${chatId}/ops`, { ops: [{ opId: newId(), type: 'setMetadata', patch: { a: 1, b: { c: 2 } } }] });
    await client.post(`/api/chats/${chatId}/ops`, { ops: [{ opId: newId(), type: 'setMetadata', patch: { a: null, b: { d: 3 } } }] });
    assert.deepEqual((await client.get(`/api/chats/${chatId}`)).body.metadata, { b: { c: 2, d: 3 } });
  });

  test('a batch is one transaction: a bad op refuses the whole batch and nothing is stored', async () => {
    const { chatId } = await createCharacterAndChat(client);
    const before = (await client.get(`/api/chats/${chatId}`)).body;
    const reply = await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('valid'), { opId: newId(), type: 'explode' }] });
    assert.equal(reply.status, 400);
    assert.equal(reply.body.error, 'invalid_request');
    const after = (await client.get(`/api/chats/${chatId}`)).body;
    assert.equal(after.revision, before.revision);
    assert.equal((await messages(chatId)).messages.length, 1);
  });

  test('bad input gets a 4xx with a reason', async () => {
    const { chatId } = await createCharacterAndChat(client);
    const cases: Array<[unknown, number]> = [
      [{ ops: [] }, 400],
      [{ ops: 'x' }, 400],
      [{ ops: [{ ...appendOp('x'), opId: '../../etc/passwd' }] }, 400],
      [{ ops: [appendOp('nul \u0000 inside')] }, 400],
      [{ ops: [{ ...appendOp('x'), message: { id: newId(), role: 'wizard', name: 'x', content: 'x' } }] }, 400],
      [{ ops: [appendOp('x'.repeat(1_000_001))] }, 400],
    ];
    for (const [body, status] of cases) {
      const reply = await client.post(`/api/chats/${chatId}/ops`, body);
      assert.equal(reply.status, status, JSON.stringify(body).slice(0, 80));
      assert.equal(typeof reply.body.message, 'string');
    }
    const notJson = await client.post(`/api/chats/${chatId}/ops`, '{"ops": [', { headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.error, 'invalid_request');
    const unknownChat = await client.post('/api/chats/no-such-chat/ops', { ops: [appendOp('x')] });
    assert.equal(unknownChat.status, 404);
    assert.equal((await messages(chatId)).messages.length, 1);
  });
});

describe('paging messages', () => {
  test('newest page first, then older pages through `before`, with hasMore', async () => {
    const { chatId } = await createCharacterAndChat(client);
    const ops = Array.from({ length: 250 }, (_, i) => appendOp(`m${i + 1}`));
    await client.post(`/api/chats/${chatId}/ops`, { ops: ops.slice(0, 200) });
    await client.post(`/api/chats/${chatId}/ops`, { ops: ops.slice(200) });
    const newest = await messages(chatId, '?limit=100');
    assert.equal(newest.messages.length, 100);
    assert.equal(newest.messages.at(-1).content, 'm250');
    assert.equal(newest.messages[0].seq, 151);
    assert.equal(newest.hasMore, true);
    let seen = newest.messages.length;
    let before = newest.messages[0].seq;
    for (let guard = 0; guard < 10; guard++) {
      const page = await messages(chatId, `?limit=100&before=${before}`);
      seen += page.messages.length;
      if (!page.hasMore) break;
      before = page.messages[0].seq;
    }
    assert.equal(seen, 251);
    assert.equal((await client.get(`/api/chats/${chatId}/messages?limit=0`)).status, 400);
  });

  test('newer pages through `after`, across deleted messages, with hasMore for what is newer', async () => {
    const { chatId } = await createCharacterAndChat(client);
    const ops = Array.from({ length: 250 }, (_, i) => appendOp(`m${i + 1}`));
    await client.post(`/api/chats/${chatId}/ops`, { ops });
    const all = (await messages(chatId, '?limit=1000')).messages as Array<{ id: string; seq: number }>;
    // A gap wider than a page: seq 11-140 deleted.
    const gone = all.filter((m) => m.seq > 10 && m.seq <= 140);
    const deleted = await client.post(`/api/chats/${chatId}/ops`, {
      ops: gone.map((m) => ({ opId: newId(), type: 'delete', messageId: m.id })),
    });
    assert.equal(deleted.status, 200);
    const first = await messages(chatId, '?after=5&limit=100');
    assert.deepEqual(first.messages.slice(0, 6).map((m: { seq: number }) => m.seq), [6, 7, 8, 9, 10, 141]);
    assert.equal(first.messages.length, 100);
    assert.equal(first.hasMore, true);
    const seqs: number[] = first.messages.map((m: { seq: number }) => m.seq);
    let after = seqs.at(-1)!;
    for (let guard = 0; guard < 10; guard++) {
      const page = await messages(chatId, `?after=${after}&limit=100`);
      seqs.push(...page.messages.map((m: { seq: number }) => m.seq));
      if (!page.hasMore) break;
      after = page.messages.at(-1).seq;
    }
    const expected = all.filter((m) => m.seq > 5 && (m.seq <= 10 || m.seq > 140)).map((m) => m.seq);
    assert.deepEqual(seqs, expected, 'every newer message once, in order, to the newest');
    const past = await messages(chatId, `?after=${all.at(-1)!.seq}`);
    assert.deepEqual(past, { messages: [], revision: past.revision, hasMore: false });
    const both = await client.get(`/api/chats/${chatId}/messages?before=20&after=5`);
    assert.equal(both.status, 400);
    assert.equal(both.body.error, 'invalid_request');
  });
});
