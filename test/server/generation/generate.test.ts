import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, test } from 'node:test';
import { FakeLlmServer, numberedTokens, type FakeLlmScript } from '../../support/fake-llm-server.js';
import { appendOp, createCharacterAndChat, newId } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { SseReader, tokensOf, untilEnd } from '../../support/sse-reader.js';
import { serversForThisFile, startTestServer, type TestServer } from '../../support/test-server.js';
import { addUser } from '../../support/users.js';

let fake: FakeLlmServer;
const readers: SseReader[] = [];

before(async () => {
  fake = await FakeLlmServer.start();
});
// After hooks run in the order registered: readers, then servers, then the fake.
after(() => {
  for (const reader of readers) reader.close();
});
const serve = serversForThisFile({ logLevel: 'warn' });
after(() => fake.close());
beforeEach(() => {
  fake.script = {};
  fake.requests.length = 0;
  fake.clientAborts = 0;
});

/** A signed-in client with a chat (greeting + one user message) and a connection to the fake backend. */
async function chatWithConnection(server: TestServer, client = new TestClient(server.url), api = 'chat-completions') {
  if (!client.csrfToken) await client.session();
  const { chatId } = await createCharacterAndChat(client);
  await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Hello there, guardian.')] });
  const connectionId = newId();
  const created = await client.post('/api/connections', { id: connectionId, name: 'Fake', api, baseUrl: fake.url, model: 'fake-model' });
  assert.equal(created.status, 201);
  return { client, chatId, connectionId };
}

function generate(client: TestClient, chatId: string, body: Record<string, unknown> = {}) {
  const reader = new SseReader(client, `/api/chats/${chatId}/generate`, { method: 'POST', body });
  readers.push(reader);
  return reader;
}

function attach(client: TestClient, generationId: string) {
  const reader = new SseReader(client, `/api/generations/${generationId}/stream`);
  readers.push(reader);
  return reader;
}

async function messages(client: TestClient, chatId: string) {
  const page = await client.get(`/api/chats/${chatId}/messages`);
  assert.equal(page.status, 200);
  return page.body as { messages: any[]; revision: number };
}

/** Polls the stored chat until `check` holds (bounded). */
async function storedWhen(client: TestClient, chatId: string, check: (page: { messages: any[]; revision: number }) => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const page = await messages(client, chatId);
    if (check(page)) return page;
    if (Date.now() > deadline) assert.fail(`the stored chat never reached the expected state: ${JSON.stringify(page.messages.at(-1))}`);
    await sleep(50);
  }
}

describe('modes: what is streamed and what is stored', () => {
  test('new: start, tokens and done; the reply is stored complete with the revision done names', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithConnection(server);
    const before = await messages(client, chatId);
    fake.script = { tokens: ['  \n', ' Hello', ',', ' world', '!  '] };
    const events = await untilEnd(generate(client, chatId, { mode: 'new' }));
    // Tokens are relayed once committed, in batches: how many events carry them depends on timing, not their text.
    assert.match(events.map((e) => e.event).join(' '), /^start( token)+ done$/);
    const { generationId, messageId } = events[0]!.data;
    assert.ok(generationId && messageId);
    // Leading whitespace is trimmed as it streams; trailing whitespace is streamed only if a batch committed it before the end trimmed it.
    assert.match(tokensOf(events), /^Hello, world!( {2})?$/);
    const done = events.at(-1)!.data;
    assert.equal(done.messageId, messageId);

    const after = await messages(client, chatId);
    const reply = after.messages.at(-1);
    assert.equal(after.messages.length, before.messages.length + 1);
    assert.deepEqual(
      { id: reply.id, role: reply.role, name: reply.name, content: reply.content, status: reply.status, revision: reply.revision },
      { id: messageId, role: 'assistant', name: 'Seraphina', content: 'Hello, world!', status: 'complete', revision: done.revision },
    );
    assert.equal(after.revision, done.revision, 'the chat revision moved with the reply');
    assert.equal(reply.extra.model, 'fake-model');

    const sent = fake.lastCompletion();
    const prompt = sent.messages as Array<{ role: string; content: string }>;
    assert.equal(prompt.at(-1)!.content, 'Hello there, guardian.', 'the history ends with the user message, not the empty reply');
    assert.match(prompt[0]!.content, /guardian of the forest/);

    const inspection = await client.get(`/api/chats/${chatId}/prompt`);
    assert.equal(inspection.status, 200);
    assert.equal(inspection.body.mode, 'new');
    assert.deepEqual(inspection.body.messages, prompt, 'the inspection shows exactly what was sent');
    const parts = Object.fromEntries(inspection.body.parts.map((p: { part: string; tokens: number }) => [p.part, p.tokens]));
    assert.ok(parts.description > 0 && parts.history > 0);
    assert.equal(
      inspection.body.parts.reduce((sum: number, p: { tokens: number }) => sum + p.tokens, 0),
      inspection.body.totalTokens,
      'the parts add up to the total',
    );
  });

  test('regenerate and swipe add swipes to the last reply, leaving it out of the prompt', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithConnection(server);
    fake.script = { tokens: ['First', ' reply'] };
    await untilEnd(generate(client, chatId));
    fake.script = { tokens: ['Second', ' reply'] };
    const regenerated = await untilEnd(generate(client, chatId, { mode: 'regenerate' }));
    assert.equal(regenerated.at(-1)!.event, 'done');
    const prompt = fake.lastCompletion().messages as Array<{ content: string }>;
    assert.ok(!prompt.some((m) => m.content.includes('First reply')), 'the reply being replaced is not in the prompt');
    fake.script = { tokens: ['Third'] };
    const swiped = await untilEnd(generate(client, chatId, { mode: 'swipe' }));
    const reply = (await messages(client, chatId)).messages.at(-1);
    assert.equal(reply.id, swiped[0]!.data.messageId);
    assert.equal(reply.id, regenerated[0]!.data.messageId, 'one message, three versions');
    assert.deepEqual(reply.swipes, ['First reply', 'Second reply', 'Third']);
    assert.equal(reply.swipeIndex, 2);
    assert.equal(reply.content, 'Third');
    assert.equal(reply.status, 'complete');
  });

  test('continue extends the last reply as written (its swipe too), keeping the leading space', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithConnection(server);
    fake.script = { tokens: ['One'] };
    await untilEnd(generate(client, chatId));
    fake.script = { tokens: ['Two'] };
    await untilEnd(generate(client, chatId, { mode: 'swipe' }));
    fake.script = { tokens: [' and', ' three.'] };
    const events = await untilEnd(generate(client, chatId, { mode: 'continue' }));
    assert.equal(tokensOf(events), ' and three.');
    const reply = (await messages(client, chatId)).messages.at(-1);
    assert.equal(reply.content, 'Two and three.');
    assert.deepEqual(reply.swipes, ['One', 'Two and three.']);
    const prompt = fake.lastCompletion().messages as Array<{ role: string; content: string }>;
    assert.deepEqual(prompt.at(-1), { role: 'assistant', content: 'Two' }, 'the reply is sent as the prefill to extend');
  });

  test('impersonate streams the user\'s next message for the composer and stores nothing in the chat', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithConnection(server);
    const before = await messages(client, chatId);
    fake.script = { tokens: ['I', ' bow', ' deeply.'] };
    const events = await untilEnd(generate(client, chatId, { mode: 'impersonate' }));
    assert.equal(events[0]!.data.messageId, '');
    assert.equal(tokensOf(events), 'I bow deeply.');
    assert.equal(events.at(-1)!.event, 'done');
    assert.deepEqual(await messages(client, chatId), before, 'the chat is untouched');
    // A re-attach after the end still gives the text (it is kept with the generation).
    const again = await untilEnd(attach(client, events[0]!.data.generationId));
    assert.equal(tokensOf(again), 'I bow deeply.');
  });

  test('text completion sends an instruct-formatted prompt to /completions', async () => {
    const server = await serve();
    const { client, chatId, connectionId } = await chatWithConnection(server, undefined, 'text-completions');
    await client.patch(`/api/connections/${connectionId}`, { instructTemplate: 'llama3' });
    fake.script = { tokens: ['Greetings'] };
    const events = await untilEnd(generate(client, chatId, { connectionId }));
    assert.equal(events.at(-1)!.event, 'done');
    assert.equal(fake.requests.at(-1)!.path, '/v1/completions');
    const prompt = fake.lastCompletion().prompt as string;
    assert.match(prompt, /<\|start_header_id\|>user<\|end_header_id\|>/);
    assert.ok(prompt.trimEnd().endsWith('Seraphina:'));
    assert.equal((await messages(client, chatId)).messages.at(-1).content, 'Greetings');
  });
});

describe('the reply belongs to the server', () => {
  test('a client that goes away mid-stream: the text is saved as it streams and the reply completes', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithConnection(server);
    const tokens = numberedTokens(30);
    fake.script = { tokens, delayMs: 60 };
    const reader = generate(client, chatId);
    const start = await reader.until((e) => e.event === 'start');
    await reader.until((e) => e.event === 'token');
    reader.close();
    // Saved while streaming, not only at the end: within ~1 s some text is stored, marked streaming.
    const midway = await storedWhen(client, chatId, (p) => p.messages.at(-1).content.length > 0, 2000);
    assert.equal(midway.messages.at(-1).status, 'streaming');
    assert.ok(tokens.join('').trim().startsWith(midway.messages.at(-1).content));
    const done = await storedWhen(client, chatId, (p) => p.messages.at(-1).status !== 'streaming');
    const reply = done.messages.at(-1);
    assert.equal(reply.id, start.data.messageId);
    assert.equal(reply.status, 'complete');
    assert.equal(reply.content, tokens.join('').trim());
    assert.equal(fake.clientAborts, 0, 'the backend stream was not cut');
  });

  test('the chat names the generation running in it, for views that open it meanwhile, and none once it ended', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithConnection(server);
    assert.equal((await client.get(`/api/chats/${chatId}`)).body.runningGeneration, null);
    fake.script = { tokens: numberedTokens(100), delayMs: 40 };
    const reader = generate(client, chatId);
    const start = await reader.until((e) => e.event === 'start');
    const chat = await client.get(`/api/chats/${chatId}`);
    assert.deepEqual(chat.body.runningGeneration, { id: start.data.generationId, messageId: start.data.messageId, mode: 'new', continuedFrom: 0 });
    await reader.until((e) => e.event === 'token');
    await client.post(`/api/generations/${start.data.generationId}/stop`);
    await untilEnd(reader);
    assert.equal((await client.get(`/api/chats/${chatId}`)).body.runningGeneration, null);

    // A continued reply says where its earlier text ends.
    const before = (await messages(client, chatId)).messages.at(-1).content as string;
    const continued = generate(client, chatId, { mode: 'continue' });
    const next = await continued.until((e) => e.event === 'start');
    const during = await client.get(`/api/chats/${chatId}`);
    assert.equal(during.body.runningGeneration.mode, 'continue');
    assert.equal(during.body.runningGeneration.continuedFrom, before.length);
    await client.post(`/api/generations/${next.data.generationId}/stop`);
    await untilEnd(continued);
    // Both backend requests were closed; waiting for the second keeps its count out of the next test.
    for (let i = 0; i < 100 && fake.clientAborts < 2; i++) await sleep(20);
    assert.equal(fake.clientAborts, 2);
  });

  test('stop keeps what was produced, closes the backend stream, and the stream says stopped', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithConnection(server);
    fake.script = { tokens: numberedTokens(100), delayMs: 40 };
    const reader = generate(client, chatId);
    const start = await reader.until((e) => e.event === 'start');
    await reader.until((e) => e.event === 'token');
    await reader.until((e) => e.event === 'token');
    const stopped = await client.post(`/api/generations/${start.data.generationId}/stop`);
    assert.equal(stopped.status, 200);
    assert.equal(stopped.body.state, 'stopped');
    assert.equal(stopped.body.event.event, 'done');
    assert.equal(stopped.body.event.data.stopped, true);
    const rest = await untilEnd(reader);
    assert.equal(rest.at(-1)!.event, 'done');
    assert.equal(rest.at(-1)!.data.stopped, true);

    const reply = (await messages(client, chatId)).messages.at(-1);
    assert.equal(reply.status, 'complete');
    assert.ok(reply.content.length > 0 && reply.content.length < numberedTokens(100).join('').length, reply.content);
    assert.ok(numberedTokens(100).join('').startsWith(` ${reply.content}`));
    assert.equal(reply.revision, stopped.body.event.data.revision);
    for (let i = 0; i < 100 && fake.clientAborts === 0; i++) await sleep(20);
    assert.equal(fake.clientAborts, 1, 'the backend request was closed');
    // Stopping again answers how it ended.
    const again = await client.post(`/api/generations/${start.data.generationId}/stop`);
    assert.equal(again.body.state, 'stopped');
    // The mark is stored with the reply (a reload still shows it) and belongs to that generation: a swipe written to
    // its end has none.
    assert.equal(reply.extra.stopped, true);
    fake.script = { tokens: numberedTokens(3), delayMs: 0 };
    await untilEnd(generate(client, chatId, { mode: 'swipe' }));
    assert.equal((await messages(client, chatId)).messages.at(-1).extra.stopped, undefined);
  });

  test('re-attach mid-stream replays what was produced, then goes on live to the end', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithConnection(server);
    const tokens = numberedTokens(40);
    fake.script = { tokens, delayMs: 25 };
    const first = generate(client, chatId);
    const start = await first.until((e) => e.event === 'start');
    const seen = [await first.until((e) => e.event === 'token'), await first.until((e) => e.event === 'token')];
    first.close();
    const second = attach(client, start.data.generationId);
    const events = await untilEnd(second);
    assert.deepEqual(events[0], start, 'the same start event');
    const replay = events[1]!;
    assert.equal(replay.event, 'token');
    assert.ok(replay.data.text.startsWith(seen.map((e) => e.data.text).join('')), 'the replay holds what the first stream saw');
    assert.equal(tokensOf(events), tokens.join('').trim(), 'replay + live = the whole reply, nothing twice');
    assert.equal(events.at(-1)!.event, 'done');
    // After the end, a re-attach gives the stored text and the end.
    const late = await untilEnd(attach(client, start.data.generationId));
    assert.deepEqual(late.map((e) => e.event), ['start', 'token', 'done']);
    assert.equal(tokensOf(late), tokens.join('').trim());
  });

  test('a chat keeps its last ended generation: the one before goes when the next has ended, not as it starts', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithConnection(server);
    fake.script = { tokens: numberedTokens(3) };
    const first = (await untilEnd(generate(client, chatId)))[0]!.data.generationId;
    fake.script = { tokens: numberedTokens(40), delayMs: 25 };
    const next = generate(client, chatId, { mode: 'swipe' });
    await next.until((e) => e.event === 'token');
    // Pruning waits for the end, so that it costs the next reply's first token nothing.
    const during = await untilEnd(attach(client, first));
    assert.deepEqual(during.map((e) => e.event), ['start', 'token', 'done']);
    await untilEnd(next);
    assert.equal((await client.get(`/api/generations/${first}/stream`)).status, 404);
    const inspection = await client.get(`/api/chats/${chatId}/prompt`);
    assert.equal(inspection.body.mode, 'swipe', 'the newest prompt stays inspectable');
  });

  test('a second generation in the same chat is refused with 409 while one runs', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithConnection(server);
    fake.script = { tokens: numberedTokens(20), delayMs: 30 };
    const first = generate(client, chatId);
    const start = await first.until((e) => e.event === 'start');
    const second = await client.post(`/api/chats/${chatId}/generate`, { mode: 'swipe' });
    assert.equal(second.status, 409);
    assert.equal(second.body.error, 'conflict');
    assert.equal(second.body.details.generationId, start.data.generationId);
    assert.equal(fake.requests.filter((r) => r.method === 'POST').length, 1, 'the refused one never reached the backend');
    const events = await untilEnd(first);
    assert.equal(events.at(-1)!.event, 'done');
    const stored = await messages(client, chatId);
    assert.equal(stored.messages.filter((m) => m.role === 'assistant').length, 2, 'greeting + one reply');
    assert.deepEqual(stored.messages.at(-1).swipes, []);
    // Once it ended, the next one may start.
    fake.script = { tokens: ['again'] };
    assert.equal((await untilEnd(generate(client, chatId, { mode: 'swipe' }))).at(-1)!.event, 'done');
  });

  test('two generates sent at the same instant: exactly one runs, the other is a 409', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithConnection(server);
    const before = await messages(client, chatId);
    fake.script = { tokens: numberedTokens(5), delayMs: 20 };
    const replies = await Promise.all(Array.from({ length: 4 }, () => client.post(`/api/chats/${chatId}/generate`, {})));
    assert.deepEqual(replies.map((r) => r.status).sort(), [200, 409, 409, 409]);
    for (const refused of replies.filter((r) => r.status === 409)) assert.equal(refused.body.error, 'conflict');
    const after = await messages(client, chatId);
    assert.equal(after.messages.length, before.messages.length + 1, 'one reply, no empty leftovers');
    assert.equal(after.messages.at(-1).status, 'complete');
  });

  test('an edit of the reply while it streams wins: the generation stops and the edit is kept', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithConnection(server);
    fake.script = { tokens: numberedTokens(100), delayMs: 30 };
    const reader = generate(client, chatId);
    const start = await reader.until((e) => e.event === 'start');
    const streaming = await storedWhen(client, chatId, (p) => p.messages.at(-1).content.length > 0);
    const edit = await client.post(`/api/chats/${chatId}/ops`, {
      ops: [{ opId: newId(), type: 'edit', messageId: start.data.messageId, content: 'My own words.', baseRevision: streaming.messages.at(-1).revision }],
    });
    assert.equal(edit.body.results[0].status, 'applied');
    const events = await untilEnd(reader);
    assert.equal(events.at(-1)!.event, 'error');
    assert.equal(events.at(-1)!.data.error, 'conflict');
    const reply = (await messages(client, chatId)).messages.at(-1);
    assert.equal(reply.content, 'My own words.');
    assert.equal(reply.status, 'complete');
  });
});

describe('upstream failures end with an error event; partial text is kept, marked as cut', () => {
  const failures: Array<[string, FakeLlmScript, string]> = [
    ['a 401', { status: 401 }, 'unauthorized'],
    ['a 429', { status: 429, retryAfter: 7 }, 'rate_limited'],
    ['a 500', { status: 500 }, 'server_error'],
  ];
  for (const [name, script, failure] of failures) {
    test(`${name} before any text: an error naming it, and the chat as it was`, async () => {
      const server = await serve();
      const { client, chatId } = await chatWithConnection(server);
      const before = await messages(client, chatId);
      fake.script = script;
      const events = await untilEnd(generate(client, chatId));
      const error = events.at(-1)!;
      assert.equal(error.event, 'error');
      assert.equal(error.data.error, 'upstream_error');
      assert.equal(error.data.failure, failure);
      assert.ok(error.data.message.length > 20, error.data.message);
      assert.equal(error.data.messageId, undefined, 'no message keeps anything');
      const after = await messages(client, chatId);
      assert.deepEqual(after.messages, before.messages, 'the empty reply was taken back');
    });
  }

  test('connection refused: an error that says so', async () => {
    const server = await serve();
    const { client, chatId, connectionId } = await chatWithConnection(server);
    const dead = await FakeLlmServer.start();
    const deadUrl = dead.url;
    await dead.close();
    await client.patch(`/api/connections/${connectionId}`, { baseUrl: deadUrl });
    const error = (await untilEnd(generate(client, chatId))).at(-1)!;
    assert.equal(error.data.failure, 'connection_refused');
    assert.match(error.data.message, /refused/);
  });

  const partial: Array<[string, FakeLlmScript, string, string]> = [
    ['a stream cut mid-way', { tokens: ['Once', ' upon', ' a', ' time'], dropAfter: 2 }, 'stream_cut', 'Once upon'],
    ['invalid JSON in the stream', { tokens: ['Once', ' upon', ' a', ' time'], invalidJsonAfter: 3 }, 'invalid_json', 'Once upon a'],
    ['an error reported mid-stream', { tokens: ['Once', ' upon', ' a'], errorAfter: 1 }, 'server_error', 'Once'],
  ];
  for (const [name, script, failure, kept] of partial) {
    test(`${name}: the text so far is stored with status cut`, async () => {
      const server = await serve();
      const { client, chatId } = await chatWithConnection(server);
      fake.script = script;
      const events = await untilEnd(generate(client, chatId));
      const error = events.at(-1)!;
      assert.equal(error.event, 'error');
      assert.equal(error.data.failure, failure);
      assert.equal(error.data.messageId, events[0]!.data.messageId);
      const reply = (await messages(client, chatId)).messages.at(-1);
      assert.deepEqual({ id: reply.id, content: reply.content, status: reply.status }, { id: error.data.messageId, content: kept, status: 'cut' });
    });
  }

  test('a failed swipe puts the reply back as it was', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithConnection(server);
    fake.script = { tokens: ['Kept'] };
    await untilEnd(generate(client, chatId));
    const before = (await messages(client, chatId)).messages.at(-1);
    fake.script = { status: 500 };
    assert.equal((await untilEnd(generate(client, chatId, { mode: 'swipe' }))).at(-1)!.event, 'error');
    const after = (await messages(client, chatId)).messages.at(-1);
    assert.deepEqual({ ...after, revision: 0 }, { ...before, revision: 0 });
    assert.ok(after.revision > before.revision, 'the undo is a change other tabs hear of');
  });
});

test('server shutdown mid-stream stops in time and keeps the text as cut, there after a restart', async () => {
  const server = await startTestServer({ config: { logLevel: 'warn' } });
  const { client, chatId } = await chatWithConnection(server);
  fake.script = { tokens: numberedTokens(500), delayMs: 20 };
  const reader = generate(client, chatId);
  const start = await reader.until((e) => e.event === 'start');
  const seen = [await reader.until((e) => e.event === 'token'), await reader.until((e) => e.event === 'token')];
  const began = Date.now();
  const [events] = await Promise.all([untilEnd(reader), server.stop()]);
  assert.ok(Date.now() - began < 5000, `shutdown took ${Date.now() - began} ms`);
  assert.equal(events.at(-1)!.event, 'error');
  assert.match(events.at(-1)!.data.message, /shutting down/);
  assert.equal(events.at(-1)!.data.messageId, start.data.messageId);
  const streamed = tokensOf([...seen, ...events]);

  const restarted = await serve({}, { dataDir: server.dataDir });
  const again = new TestClient(restarted.url);
  again.cookies.set(...([...client.cookies][0] as [string, string]));
  await again.session();
  const reply = (await messages(again, chatId)).messages.at(-1);
  assert.equal(reply.id, start.data.messageId);
  assert.equal(reply.status, 'cut');
  assert.ok(reply.content.length > 0);
  assert.equal(reply.content, streamed.trimEnd(), 'what is stored is what was streamed');
});

test("user isolation: another user cannot generate in, re-attach to, stop or inspect a user's chat", async () => {
  // The fake backend is on loopback, which users who are not admins reach on a shared server only when listed.
  const server = await serve({ enableUserAccounts: true, backendAllowlist: ['127.0.0.1'] });
  await addUser(server, { handle: 'ann', password: 'ann-password' });
  await addUser(server, { handle: 'ben', password: 'ben-password' });
  const ann = new TestClient(server.url);
  const ben = new TestClient(server.url);
  await ann.login('ann', 'ann-password');
  await ben.login('ben', 'ben-password');
  const { chatId, connectionId } = await chatWithConnection(server, ann);
  await chatWithConnection(server, ben);
  fake.script = { tokens: numberedTokens(30), delayMs: 30 };
  const reader = generate(ann, chatId);
  const start = await reader.until((e) => e.event === 'start');

  const theirs = await ben.post(`/api/chats/${chatId}/generate`, {});
  assert.equal(theirs.status, 404);
  assert.equal(theirs.body.error, 'not_found');
  assert.equal((await ben.post(`/api/chats/${chatId}/generate`, { connectionId })).status, 404);
  const spy = attach(ben, start.data.generationId);
  await spy.ready;
  assert.equal(spy.status, 404);
  assert.equal((await ben.post(`/api/generations/${start.data.generationId}/stop`)).status, 404);
  assert.equal((await ben.get(`/api/chats/${chatId}/prompt`)).status, 404);

  const events = await untilEnd(reader);
  assert.equal(events.at(-1)!.event, 'done', "Ann's reply was not disturbed");
  assert.equal((await ben.get(`/api/chats/${chatId}/messages`)).status, 404);
});

test('bad input gets a 4xx JSON error and nothing is stored', async () => {
  const server = await serve();
  const client = new TestClient(server.url);
  await client.session();
  const { chatId } = await createCharacterAndChat(client);
  const noConnection = await client.post(`/api/chats/${chatId}/generate`, {});
  assert.equal(noConnection.status, 400);
  assert.match(noConnection.body.message, /connection/i);

  await client.post('/api/connections', { id: newId(), name: 'Fake', api: 'chat-completions', baseUrl: fake.url });
  const before = await messages(client, chatId);
  const cases: Array<[string, unknown, number]> = [
    [`/api/chats/${chatId}/generate`, { mode: 'rewrite' }, 400],
    [`/api/chats/${chatId}/generate`, { connectionId: '../x' }, 400],
    [`/api/chats/${chatId}/generate`, { connectionId: 'no-such-connection' }, 404],
    [`/api/chats/${chatId}/generate`, [], 400],
    ['/api/chats/no-such-chat/generate', {}, 404],
    ['/api/chats/bad%20id/generate', {}, 400],
    ['/api/generations/no-such-generation/stop', {}, 404],
  ];
  for (const [path, body, status] of cases) {
    const reply = await client.post(path, body);
    assert.equal(reply.status, status, `${path} ${JSON.stringify(body)}: ${JSON.stringify(reply.body)}`);
    assert.equal(typeof reply.body.error, 'string');
    assert.equal(typeof reply.body.message, 'string');
  }
  assert.equal((await client.get('/api/generations/no-such-generation/stream')).status, 404);
  const noPrompt = await client.get(`/api/chats/${chatId}/prompt`);
  assert.equal(noPrompt.status, 404);
  assert.equal(noPrompt.body.error, 'not_found');
  assert.deepEqual(await messages(client, chatId), before);
  assert.equal(fake.requests.length, 0, 'no request reached the backend');
  const csrf = await client.post(`/api/chats/${chatId}/generate`, {}, { csrf: false });
  assert.equal(csrf.status, 403);
});

test("the default persona is the user in the prompt; without one, the account's name", async () => {
  const server = await serve();
  const { client, chatId } = await chatWithConnection(server);
  await untilEnd(generate(client, chatId, { mode: 'impersonate' }));
  const instruction = (prompt: Record<string, unknown>) => (prompt.messages as Array<{ content: string }>).at(-1)!.content;
  assert.match(instruction(fake.lastCompletion()), /point of view of User,/, "the single-user account's name");
  await client.post('/api/personas', { id: newId(), name: 'Wren', description: '{{user}} is a wandering bard.', isDefault: true });
  await untilEnd(generate(client, chatId, { mode: 'impersonate' }));
  const system = (fake.lastCompletion().messages as Array<{ content: string }>)[0]!.content;
  assert.match(system, /Wren is a wandering bard\./);
  assert.match(instruction(fake.lastCompletion()), /point of view of Wren,/);
});

test('the default connection is the one the settings name, else the one used last', async () => {
  const server = await serve();
  const { client, chatId, connectionId } = await chatWithConnection(server);
  const other = await FakeLlmServer.start();
  try {
    const otherId = newId();
    await client.post('/api/connections', { id: otherId, name: 'Other', api: 'chat-completions', baseUrl: other.url });
    other.script = { tokens: ['from other'] };
    fake.script = { tokens: ['from fake'] };
    // Newest first when none was used yet: Other.
    await untilEnd(generate(client, chatId));
    assert.equal(other.requests.filter((r) => r.method === 'POST').length, 1);
    await untilEnd(generate(client, chatId, { mode: 'swipe', connectionId }));
    // Now Fake was used last.
    await untilEnd(generate(client, chatId, { mode: 'swipe' }));
    assert.equal(fake.requests.filter((r) => r.method === 'POST').length, 2);
    await client.patch('/api/settings', { opId: newId(), patch: { activeConnectionId: otherId } });
    await untilEnd(generate(client, chatId, { mode: 'swipe' }));
    assert.equal(other.requests.filter((r) => r.method === 'POST').length, 2, 'the settings choice wins');
  } finally {
    await other.close();
  }
});
