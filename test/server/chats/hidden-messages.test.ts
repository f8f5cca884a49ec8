import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { FakeLlmServer } from '../../support/fake-llm-server.js';
import { appendOp, createCharacterAndChat, newId } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { SseReader, untilEnd } from '../../support/sse-reader.js';
import { serversForThisFile, type TestServer } from '../../support/test-server.js';
import { addUser } from '../../support/users.js';

let fake: FakeLlmServer;
const readers: SseReader[] = [];
before(async () => {
  fake = await FakeLlmServer.start();
});
after(() => {
  for (const reader of readers) reader.close();
});
const serve = serversForThisFile({ logLevel: 'warn' });
after(() => fake.close());
beforeEach(() => {
  fake.script = {};
  fake.requests.length = 0;
});

const hideOp = (messageId: string, hidden = true) => ({ opId: newId(), type: 'setHidden', messageId, hidden });

async function signedIn(server: TestServer) {
  const client = new TestClient(server.url);
  await client.session();
  return client;
}

async function page(client: TestClient, chatId: string) {
  const reply = await client.get(`/api/chats/${chatId}/messages`);
  assert.equal(reply.status, 200);
  return reply.body as { messages: { id: string; content: string; hidden: boolean; revision: number; status: string }[]; revision: number };
}

async function connect(client: TestClient, api: 'chat-completions' | 'text-completions') {
  const id = newId();
  const created = await client.post('/api/connections', { id, name: `Fake ${api}`, api, baseUrl: fake.url, model: 'fake-model' });
  assert.equal(created.status, 201);
  return id;
}

function generate(client: TestClient, chatId: string, body: Record<string, unknown>) {
  const reader = new SseReader(client, `/api/chats/${chatId}/generate`, { method: 'POST', body });
  readers.push(reader);
  return reader;
}

/** Everything the backend was sent as one text, whichever API it speaks. */
function sentText(): string {
  const body = fake.lastCompletion();
  if (typeof body.prompt === 'string') return body.prompt;
  return (body.messages as { content: string }[]).map((m) => m.content).join('\n');
}

describe('setHidden', () => {
  test('hides and shows a message: the chat revision moves, the text and the message revision stay', async () => {
    const client = await signedIn(await serve());
    const { chatId } = await createCharacterAndChat(client);
    const id = newId();
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('a secret', 'user', id)] });
    const before = (await page(client, chatId)).messages.at(-1)!;
    assert.equal(before.hidden, false);

    const hidden = await client.post(`/api/chats/${chatId}/ops`, { ops: [hideOp(id)] });
    assert.equal(hidden.body.results[0].status, 'applied');
    const after = await page(client, chatId);
    const message = after.messages.at(-1)!;
    assert.deepEqual([message.hidden, message.content, message.revision], [true, 'a secret', before.revision]);
    assert.equal(after.revision, hidden.body.revision);
    assert.equal(hidden.body.revision, before.revision + 1);

    // An edit based on the revision read before the hide is no conflict: the text did not change.
    const edit = await client.post(`/api/chats/${chatId}/ops`, {
      ops: [{ opId: newId(), type: 'edit', messageId: id, content: 'edited', baseRevision: before.revision }],
    });
    assert.equal(edit.body.results[0].status, 'applied');
    assert.equal((await page(client, chatId)).messages.at(-1)!.hidden, true, 'an edit keeps the flag');

    await client.post(`/api/chats/${chatId}/ops`, { ops: [hideOp(id, false)] });
    assert.equal((await page(client, chatId)).messages.at(-1)!.hidden, false);
  });

  test('a resent op is a duplicate; a message that is gone is a conflict; a bad op stores nothing', async () => {
    const client = await signedIn(await serve());
    const { chatId } = await createCharacterAndChat(client);
    const id = newId();
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('x', 'user', id)] });
    const op = hideOp(id);
    const first = await client.post(`/api/chats/${chatId}/ops`, { ops: [op] });
    const again = await client.post(`/api/chats/${chatId}/ops`, { ops: [op] });
    assert.equal(again.body.results[0].status, 'duplicate');
    assert.equal(again.body.revision, first.body.revision);

    const gone = await client.post(`/api/chats/${chatId}/ops`, { ops: [hideOp(newId())] });
    assert.equal(gone.body.results[0].status, 'conflict');

    const revision = (await page(client, chatId)).revision;
    for (const bad of [
      { opId: newId(), type: 'setHidden', messageId: id },
      { opId: newId(), type: 'setHidden', messageId: id, hidden: 'yes' },
      { opId: newId(), type: 'setHidden', messageId: '', hidden: true },
    ]) {
      const refused = await client.post(`/api/chats/${chatId}/ops`, { ops: [hideOp(id, false), bad] });
      assert.equal(refused.status, 400, JSON.stringify(bad));
      assert.equal(refused.body.error, 'invalid_request');
    }
    const after = await page(client, chatId);
    assert.equal(after.revision, revision, 'nothing of a refused batch was applied');
    assert.equal(after.messages.at(-1)!.hidden, true);
  });

  test("another user's chat is a 404", async () => {
    const server = await serve({ enableUserAccounts: true });
    await addUser(server, { handle: 'ann', password: 'password-ann' });
    await addUser(server, { handle: 'bob', password: 'password-bob' });
    const ann = new TestClient(server.url);
    await ann.login('ann', 'password-ann');
    const bob = new TestClient(server.url);
    await bob.login('bob', 'password-bob');
    const { chatId } = await createCharacterAndChat(ann);
    const [greeting] = (await page(ann, chatId)).messages;
    const refused = await bob.post(`/api/chats/${chatId}/ops`, { ops: [hideOp(greeting!.id)] });
    assert.equal(refused.status, 404);
    assert.equal((await page(ann, chatId)).messages[0]!.hidden, false);
  });
});

describe('the prompt leaves hidden messages out', () => {
  for (const api of ['chat-completions', 'text-completions'] as const) {
    test(`${api}: the backend never receives a hidden message, whoever wrote it`, async () => {
      const client = await signedIn(await serve());
      await connect(client, api);
      const { chatId } = await createCharacterAndChat(client);
      const ids = [newId(), newId(), newId()];
      await client.post(`/api/chats/${chatId}/ops`, {
        ops: [
          appendOp('SECRET-USER question', 'user', ids[0]),
          appendOp('SECRET-CHAR answer', 'assistant', ids[1]),
          appendOp('What do you see?', 'user', ids[2]),
          hideOp(ids[0]!),
          hideOp(ids[1]!),
        ],
      });
      const events = await untilEnd(generate(client, chatId, { mode: 'new' }));
      assert.equal(events.at(-1)!.event, 'done');
      const sent = sentText();
      assert.match(sent, /What do you see\?/);
      assert.match(sent, /Welcome, traveller\./, 'visible messages before the hidden ones are still sent');
      assert.doesNotMatch(sent, /SECRET/);

      // Shown again, they are sent again.
      await client.post(`/api/chats/${chatId}/ops`, { ops: [hideOp(ids[0]!, false)] });
      await untilEnd(generate(client, chatId, { mode: 'new' }));
      assert.match(sentText(), /SECRET-USER question/);
      assert.doesNotMatch(sentText(), /SECRET-CHAR/);
    });
  }

  test('a hidden greeting is left out, and regenerate leaves out the reply it replaces and the hidden ones', async () => {
    const client = await signedIn(await serve());
    await connect(client, 'chat-completions');
    const { chatId } = await createCharacterAndChat(client, { first_mes: 'SECRET greeting' });
    const [greeting] = (await page(client, chatId)).messages;
    await client.post(`/api/chats/${chatId}/ops`, { ops: [hideOp(greeting!.id), appendOp('Hi.')] });
    fake.script = { tokens: ['First'] };
    await untilEnd(generate(client, chatId, { mode: 'new' }));
    assert.doesNotMatch(sentText(), /SECRET/);
    fake.script = { tokens: ['Second'] };
    const events = await untilEnd(generate(client, chatId, { mode: 'regenerate' }));
    assert.equal(events.at(-1)!.event, 'done');
    assert.doesNotMatch(sentText(), /SECRET|First/);
    const last = (await page(client, chatId)).messages.at(-1)!;
    assert.equal(last.content, 'Second');
  });

  test('an imported SillyTavern chat: is_system lines stay out of the prompt and export back as they came', async () => {
    const client = await signedIn(await serve());
    await connect(client, 'chat-completions');
    const { characterId } = await createCharacterAndChat(client);
    const lines = [
      { user_name: 'unused', character_name: 'unused', create_date: '2024-09-28@01h02m03s', chat_metadata: {} },
      { name: 'Seraphina', is_user: false, is_system: false, send_date: 'September 28, 2024 1:02am', mes: 'Welcome.', extra: {} },
      { name: 'You', is_user: true, is_system: true, send_date: 'September 28, 2024 1:03am', mes: 'SECRET hidden by /hide', extra: {} },
      { name: 'SillyTavern System', is_user: false, is_system: true, send_date: 1727485440000, mes: 'SECRET notice', extra: { type: 'narrator' } },
      { name: 'You', is_user: true, is_system: false, send_date: 'September 28, 2024 1:05am', mes: 'Where am I?', extra: {} },
    ];
    const text = lines.map((line) => JSON.stringify(line)).join('\n');
    const form = new FormData();
    form.append('file', new Blob([text]), 'Seraphina - 2024-09-28@01h02m03s.jsonl');
    const imported = await client.post(`/api/chats/import?characterId=${characterId}`, form);
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    const chatId = imported.body.id as string;
    assert.deepEqual(
      (await page(client, chatId)).messages.map((m) => m.hidden),
      [false, true, true, false],
    );

    await untilEnd(generate(client, chatId, { mode: 'new' }));
    assert.match(sentText(), /Where am I\?/);
    assert.doesNotMatch(sentText(), /SECRET/);

    // The reply goes; then the import exports back line for line, byte for byte.
    const reply = (await page(client, chatId)).messages.at(-1)!;
    await client.post(`/api/chats/${chatId}/ops`, { ops: [{ opId: newId(), type: 'delete', messageId: reply.id }] });
    const exported = await fetch(`${client.baseUrl}/api/chats/${chatId}/export?format=jsonl`, { headers: { cookie: client.cookieHeader } });
    assert.equal(exported.status, 200);
    assert.equal(await exported.text(), text);
  });

  test('hiding the reply while it streams neither stops it nor loses the flag', async () => {
    const client = await signedIn(await serve());
    await connect(client, 'chat-completions');
    const { chatId } = await createCharacterAndChat(client);
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Tell me a story.')] });
    fake.script = { tokens: ['Once', ' upon', ' a', ' time', '.'], delayMs: 150 };
    const reader = generate(client, chatId, { mode: 'new' });
    const start = await reader.next();
    assert.equal(start?.event, 'start');
    const hidden = await client.post(`/api/chats/${chatId}/ops`, { ops: [hideOp(start!.data.messageId)] });
    assert.equal(hidden.body.results[0].status, 'applied');
    const events = await untilEnd(reader);
    assert.equal(events.at(-1)!.event, 'done', JSON.stringify(events.at(-1)));
    const reply = (await page(client, chatId)).messages.at(-1)!;
    assert.deepEqual([reply.content, reply.status, reply.hidden], ['Once upon a time.', 'complete', true]);
  });
});
