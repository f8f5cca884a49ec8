import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { appendOp, makeCard, newId } from '../support/fixtures.js';
import { TestClient } from '../support/http-client.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
let client: TestClient;
let characterId: string;

before(async () => {
  server = await startTestServer({ config: { limits: { chatImportMb: 1 } } });
  client = new TestClient(server.url);
  await client.session();
  characterId = (await client.post('/api/characters', { card: makeCard() })).body.id;
});
after(() => server.close());

const header = { user_name: 'User', character_name: 'Seraphina', create_date: '2024-09-28@01h02m03s', chat_metadata: { integrity: 'abc-123', note: { deep: [1] } } };
const lines = [
  header,
  { name: 'Seraphina', is_user: false, is_system: false, send_date: 'September 28, 2024 1:02am', mes: 'Hello!', swipes: ['Hello!', 'Hi there.'], swipe_id: 0, swipe_info: [{ send_date: 'September 28, 2024 1:02am', extra: {} }, { send_date: 'September 28, 2024 1:03am', extra: { model: 'x' } }], extra: { api: 'openai', model: 'gpt-4o' } },
  { name: 'User', is_user: true, is_system: false, send_date: 1727485380000, mes: 'Hi!', extra: {}, force_avatar: 'User Avatars/me.png' },
  { name: 'Seraphina', is_user: false, send_date: '2024-09-28T01:04:00.000Z', mes: 'How are you?', extra: { reasoning: 'thinking', token_count: 4 }, gen_started: 'x' },
];

function jsonl(objects: unknown[], cutTail = '') {
  return '\uFEFF' + objects.map((o) => JSON.stringify(o)).join('\n') + cutTail;
}

function importChat(text: string, query = `?characterId=${characterId}`, fileName = 'Seraphina - 2024-09-28@01h02m03s.jsonl') {
  const form = new FormData();
  form.append('file', new Blob([text], { type: 'application/jsonl' }), fileName);
  return client.post(`/api/chats/import${query}`, form);
}

async function exportChat(id: string): Promise<{ text: string; disposition: string }> {
  const response = await fetch(`${server.url}/api/chats/${id}/export?format=jsonl`, { headers: { cookie: client.cookieHeader } });
  assert.equal(response.status, 200);
  return { text: await response.text(), disposition: response.headers.get('content-disposition') ?? '' };
}

const parseLines = (text: string) => text.replace(/^\uFEFF/, '').split('\n').map((l) => JSON.parse(l));

describe('SillyTavern JSONL chats', () => {
  test('import keeps every field (BOM, swipes, extra, unknown keys), reports a cut-off last line, and exports what came in', async () => {
    const reply = await importChat(jsonl(lines, '\n{"name":"Seraphina","is_user":false,"mes":"cut off mid'));
    assert.equal(reply.status, 201, JSON.stringify(reply.body));
    assert.equal(reply.body.imported, 3);
    assert.equal(reply.body.skippedLines.length, 1);
    assert.equal(reply.body.skippedLines[0].line, 5);
    const chat = (await client.get(`/api/chats/${reply.body.id}`)).body;
    assert.equal(chat.title, 'Seraphina - 2024-09-28@01h02m03s');
    assert.deepEqual(chat.metadata, header.chat_metadata);
    const page = (await client.get(`/api/chats/${reply.body.id}/messages`)).body;
    assert.deepEqual(
      page.messages.map((m: { role: string; content: string }) => [m.role, m.content]),
      [
        ['assistant', 'Hello!'],
        ['user', 'Hi!'],
        ['assistant', 'How are you?'],
      ],
    );
    assert.deepEqual(page.messages[0].swipes, ['Hello!', 'Hi there.']);
    assert.equal(page.messages[1].createdAt, '2024-09-28T01:03:00.000Z');
    assert.equal(page.messages[0].imported, undefined, 'import bookkeeping stays on the server');

    const exported = await exportChat(reply.body.id);
    assert.match(exported.disposition, /filename="Seraphina - 2024-09-28@01h02m03s\.jsonl"/);
    assert.deepEqual(parseLines(exported.text), lines, 'the export gives back every line as it came');

    const again = await importChat(exported.text);
    assert.equal(again.status, 201);
    assert.deepEqual(parseLines((await exportChat(again.body.id)).text), lines, 'import -> export -> import is lossless');
  });

  test('whole batches of 500 store every field as a short one does: 1,100 lines export as they came', async () => {
    const hiddenOne = { name: 'Seraphina', is_user: false, is_system: true, send_date: 1727485380000, mes: 'Hidden', extra: {} };
    const kinds: Record<string, unknown>[] = [...lines.slice(1), hiddenOne];
    const many = [
      header,
      ...Array.from({ length: 1100 }, (_, i) => {
        const kind = kinds[i % kinds.length]!;
        const mes = `${i}: ${String(kind.mes)}`;
        return { ...kind, mes, ...(kind.swipes !== undefined && { swipes: [mes, 'Hi there.'] }) };
      }),
    ];
    const reply = await importChat(jsonl(many));
    assert.equal(reply.body.imported, 1100, JSON.stringify(reply.body));
    assert.deepEqual(parseLines((await exportChat(reply.body.id)).text), many);
  });

  test('a chat made in Parley exports as a file SillyTavern loads, with edits and swipes', async () => {
    const chat = (await client.post('/api/chats', { characterId })).body;
    const reply = appendOp('A reply', 'assistant');
    await client.post(`/api/chats/${chat.id}/ops`, {
      ops: [appendOp('Hello there'), reply, { opId: newId(), type: 'addSwipe', messageId: reply.message.id, content: 'Another reply' }],
    });
    const [head, greeting, user, assistant] = parseLines((await exportChat(chat.id)).text);
    assert.equal(typeof head.create_date, 'string');
    assert.deepEqual(head.chat_metadata, {});
    assert.equal(greeting.mes, 'Welcome, traveller.');
    assert.equal(user.is_user, true);
    assert.equal(user.mes, 'Hello there');
    assert.equal(typeof user.send_date, 'string');
    assert.equal(assistant.is_user, false);
    assert.deepEqual(assistant.swipes, ['A reply', 'Another reply']);
    assert.equal(assistant.swipe_id, 1);
    assert.equal(assistant.mes, 'Another reply');
    assert.equal(assistant.swipe_info.length, 2);
  });

  test('a title whose hundredth unit starts an emoji still exports, named without a broken character', async () => {
    const chat = (await client.post('/api/chats', { characterId })).body;
    const title = `${'a'.repeat(99)}🐉 and more`;
    const renamed = await client.post(`/api/chats/${chat.id}/ops`, { ops: [{ opId: newId(), type: 'setTitle', title }] });
    assert.equal(renamed.body.results[0].status, 'applied');
    const { disposition } = await exportChat(chat.id);
    assert.match(disposition, new RegExp(`filename\\*=UTF-8''${'a'.repeat(99)}\\.jsonl$`));
  });

  test('a longer chat imports in batches, in order', async () => {
    const many = [header, ...Array.from({ length: 2345 }, (_, i) => ({ name: i % 2 ? 'User' : 'Seraphina', is_user: i % 2 === 1, send_date: 1727485380000 + i, mes: `message ${i}`, extra: {} }))];
    const reply = await importChat(jsonl(many));
    assert.equal(reply.body.imported, 2345);
    const newest = (await client.get(`/api/chats/${reply.body.id}/messages?limit=3`)).body.messages;
    assert.deepEqual(
      newest.map((m: { content: string; seq: number }) => [m.seq, m.content]),
      [
        [2342, 'message 2342'],
        [2343, 'message 2343'],
        [2344, 'message 2344'],
      ],
    );
    assert.equal((await client.get(`/api/chats/${reply.body.id}`)).body.messageCount, 2345);
  });

  test('bad uploads get a 4xx with a reason and leave no chat behind', async () => {
    const count = async () => (await client.get(`/api/chats?characterId=${characterId}`)).body.length as number;
    const before = await count();
    const notAChat = await importChat('this is not json\n{}');
    assert.equal(notAChat.status, 422);
    assert.equal(notAChat.body.error, 'invalid_chat');
    assert.equal((await importChat('')).status, 422);
    assert.equal((await importChat(jsonl(lines), '?characterId=no-such-character')).status, 404);
    assert.equal((await importChat(jsonl(lines), '')).status, 400);
    assert.equal((await importChat(jsonl(lines), '?characterId=../../etc')).status, 400);
    const huge = [header, ...Array.from({ length: 4000 }, (_, i) => ({ name: 'User', is_user: true, send_date: i, mes: 'x'.repeat(400) }))];
    const tooBig = await importChat(jsonl(huge));
    assert.equal(tooBig.status, 413, JSON.stringify(tooBig.body));
    assert.equal(tooBig.body.error, 'payload_too_large');
    assert.equal(await count(), before, 'nothing stored');
  });
});
