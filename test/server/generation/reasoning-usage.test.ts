import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, test } from 'node:test';
import { FakeAnthropicServer } from '../../support/fake-anthropic-server.js';
import { FakeGeminiServer } from '../../support/fake-gemini-server.js';
import { FakeLlmServer } from '../../support/fake-llm-server.js';
import { appendOp, createCharacterAndChat, newId } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { SseReader, tokensOf, untilEnd, type SseEvent } from '../../support/sse-reader.js';
import { DIALECTS, freshDatabase, unavailable } from '../../support/test-databases.js';
import { serversForThisFile, type TestServer } from '../../support/test-server.js';

const KEY = 'sk-ant-api03-secret-key-abcdefgh';
let anthropic: FakeAnthropicServer;
let gemini: FakeGeminiServer;
let openai: FakeLlmServer;
const readers: SseReader[] = [];

before(async () => {
  [anthropic, gemini, openai] = await Promise.all([FakeAnthropicServer.start(), FakeGeminiServer.start(), FakeLlmServer.start()]);
});
after(() => {
  for (const reader of readers) reader.close();
});
const serve = serversForThisFile({ logLevel: process.env.TEST_LOG ?? 'warn' });
after(() => Promise.all([anthropic.close(), gemini.close(), openai.close()]));
beforeEach(() => {
  anthropic.script = {};
  anthropic.requests.length = 0;
  gemini.script = {};
  openai.script = {};
});

async function setUp(server: TestServer, connection: Record<string, unknown>) {
  const client = new TestClient(server.url);
  await client.session();
  const { chatId } = await createCharacterAndChat(client);
  await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Hello there, guardian.')] });
  const connectionId = newId();
  const created = await client.post('/api/connections', { id: connectionId, name: 'Native', ...connection });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return { client, chatId, connectionId };
}

const claudeConnection = (settings: Record<string, unknown> = {}) => ({
  api: 'anthropic',
  baseUrl: anthropic.url,
  apiKey: KEY,
  model: 'claude-sonnet-4-5',
  settings: { max_tokens: 300, ...settings },
});

function generate(client: TestClient, chatId: string, body: Record<string, unknown> = {}) {
  const reader = new SseReader(client, `/api/chats/${chatId}/generate`, { method: 'POST', body });
  readers.push(reader);
  return reader;
}

async function lastMessage(client: TestClient, chatId: string) {
  return (await client.get(`/api/chats/${chatId}/messages`)).body.messages.at(-1);
}

const reasoningOf = (events: SseEvent[]) =>
  events
    .filter((e) => e.event === 'reasoning')
    .map((e) => e.data.text)
    .join('');

describe('reasoning: captured, streamed as its own event, stored in extra.reasoning, never re-sent', () => {
  test('Claude extended thinking: reasoning events before the tokens, extra.reasoning and extra.usage stored', async () => {
    const server = await serve();
    const { client, chatId } = await setUp(server, claudeConnection({ reasoning_effort: 'low' }));
    anthropic.script = {
      thinking: ['The guardian ', 'greets me.'],
      text: ['Well met', '.'],
      usage: { input_tokens: 40, output_tokens: 25, cache_read_input_tokens: 10 },
    };
    const events = await untilEnd(generate(client, chatId));
    const kinds = events.map((e) => e.event);
    // Relayed once committed, in batches; the reasoning always comes before the reply.
    assert.match(kinds.join(' '), /^start( reasoning)+( token)+ done$/);
    assert.equal(reasoningOf(events), 'The guardian greets me.');
    assert.equal(tokensOf(events), 'Well met.');
    const reply = await lastMessage(client, chatId);
    assert.equal(reply.content, 'Well met.');
    assert.equal(reply.extra.reasoning, 'The guardian greets me.');
    assert.deepEqual(reply.extra.usage, { prompt_tokens: 50, completion_tokens: 25, cache_read_tokens: 10 });
    assert.equal(reply.extra.api, 'anthropic');
    assert.equal(reply.extra.model, 'claude-sonnet-4-5');

    // The next prompt carries the reply, never its reasoning.
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('And then?')] });
    await untilEnd(generate(client, chatId));
    const sent = JSON.stringify(anthropic.lastBody());
    assert.ok(sent.includes('Well met.'), 'the reply is in the history');
    assert.ok(!sent.includes('greets me'), 'the reasoning is not sent back');
    // Nor is it in what the prompt inspector shows as sent.
    const inspection = (await client.get(`/api/chats/${chatId}/prompt`)).body;
    assert.ok(!JSON.stringify(inspection.messages).includes('greets me'));
  });

  test('text completions: a <think> block becomes reasoning, on by default; the reply is what follows', async () => {
    const server = await serve();
    const { client, chatId } = await setUp(server, { api: 'text-completions', baseUrl: openai.url, model: 'm' });
    openai.script = { tokens: ['<thi', 'nk>\nWho is ', 'this?\n</think>', '\n\nGreetings', ', guardian.'] };
    const events = await untilEnd(generate(client, chatId));
    // A batch committed mid-stream may carry the newline the end trims.
    assert.equal(reasoningOf(events).trimEnd(), 'Who is this?');
    assert.equal(tokensOf(events), 'Greetings, guardian.');
    const reply = await lastMessage(client, chatId);
    assert.equal(reply.content, 'Greetings, guardian.');
    assert.equal(reply.extra.reasoning, 'Who is this?');
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Next')] });
    await untilEnd(generate(client, chatId));
    assert.ok(!String(openai.lastCompletion().prompt).includes('Who is this?'), 'not re-sent in a text prompt either');
  });

  test('parsing can be turned off, and the tags changed, per connection', async () => {
    const server = await serve();
    const off = await setUp(server, { api: 'chat-completions', baseUrl: openai.url, model: 'm', settings: { parse_reasoning: false } });
    openai.script = { tokens: ['<think>x</think>', 'y'] };
    await untilEnd(generate(off.client, off.chatId));
    const kept = await lastMessage(off.client, off.chatId);
    assert.equal(kept.content, '<think>x</think>y');
    assert.equal(kept.extra.reasoning, undefined);

    const custom = await setUp(server, { api: 'chat-completions', baseUrl: openai.url, model: 'm', settings: { reasoning_prefix: '<reason>', reasoning_suffix: '</reason>' } });
    openai.script = { tokens: ['<reason>why</reason>', 'so'] };
    await untilEnd(generate(custom.client, custom.chatId, { connectionId: custom.connectionId }));
    const split = await lastMessage(custom.client, custom.chatId);
    assert.deepEqual([split.content, split.extra.reasoning], ['so', 'why']);
  });

  test('DeepSeek-style reasoning_content is kept, with usage', async () => {
    const server = await serve();
    const { client, chatId } = await setUp(server, { api: 'chat-completions', baseUrl: openai.url, model: 'deepseek-reasoner' });
    openai.script = { reasoning: ['Step 1.'], tokens: ['Answer'], usage: { prompt_tokens: 20, completion_tokens: 7, prompt_cache_hit_tokens: 16 } };
    await untilEnd(generate(client, chatId));
    const reply = await lastMessage(client, chatId);
    assert.equal(reply.extra.reasoning, 'Step 1.');
    assert.deepEqual(reply.extra.usage, { prompt_tokens: 20, completion_tokens: 7, cache_read_tokens: 16 });
  });

  test('a reply stopped while thinking keeps its reasoning (and no text)', async () => {
    const server = await serve();
    const { client, chatId } = await setUp(server, claudeConnection({ reasoning_effort: 'high' }));
    anthropic.script = { thinking: Array.from({ length: 60 }, (_, i) => `thought ${i}. `), delayMs: 30 };
    const reader = generate(client, chatId);
    const start = await reader.until((e) => e.event === 'start');
    await reader.until((e) => e.event === 'reasoning');
    await reader.until((e) => e.event === 'reasoning');
    const stopped = await client.post(`/api/generations/${start.data.generationId}/stop`);
    assert.equal(stopped.body.state, 'stopped');
    const reply = await lastMessage(client, chatId);
    assert.equal(reply.id, start.data.messageId, 'the reply with only reasoning is kept');
    assert.equal(reply.content, '');
    assert.match(reply.extra.reasoning, /^thought 0\. thought 1\./);
  });

  test('a reply cut mid-stream keeps its reasoning and text, marked cut; re-attach replays the reasoning', async () => {
    const server = await serve();
    const { client, chatId } = await setUp(server, claudeConnection());
    anthropic.script = { thinking: ['Careful now.'], text: ['Half', ' a', ' reply'], dropAfter: 2 };
    const events = await untilEnd(generate(client, chatId));
    const end = events.at(-1)!;
    assert.equal(end.event, 'error');
    assert.equal(end.data.failure, 'stream_cut');
    const reply = await lastMessage(client, chatId);
    assert.equal(reply.status, 'cut');
    assert.equal(reply.content, 'Half a');
    assert.equal(reply.extra.reasoning, 'Careful now.');
    const replay = new SseReader(client, `/api/generations/${events[0]!.data.generationId}/stream`);
    readers.push(replay);
    const replayed = await untilEnd(replay);
    assert.equal(reasoningOf(replayed), 'Careful now.');
  });

  test('a new swipe has its own reasoning; continuing a reply adds to it', async () => {
    const server = await serve();
    const { client, chatId } = await setUp(server, claudeConnection());
    anthropic.script = { thinking: ['first'], text: ['One'] };
    await untilEnd(generate(client, chatId));
    anthropic.script = { thinking: ['second'], text: ['Two'] };
    await untilEnd(generate(client, chatId, { mode: 'swipe' }));
    let reply = await lastMessage(client, chatId);
    assert.deepEqual([reply.content, reply.extra.reasoning], ['Two', 'second']);
    anthropic.script = { thinking: ['more'], text: [' and more'] };
    await untilEnd(generate(client, chatId, { mode: 'continue' }));
    reply = await lastMessage(client, chatId);
    assert.deepEqual([reply.content, reply.extra.reasoning], ['Two and more', 'second\n\nmore']);
    assert.deepEqual(anthropic.lastBody().messages, [
      { role: 'user', content: '[Start a new chat]' },
      { role: 'assistant', content: anthropic.lastBody().messages[1].content },
      { role: 'user', content: 'Hello there, guardian.' },
      { role: 'assistant', content: 'Two' },
    ], 'continue sends the reply as the prefill Claude extends');
  });
});

describe('editing reasoning: the setReasoning op', () => {
  test('replaces it, removes it with an empty text, conflicts on a stale base revision, and is idempotent', async () => {
    const server = await serve();
    const { client, chatId } = await setUp(server, claudeConnection());
    anthropic.script = { thinking: ['original'], text: ['Reply'] };
    await untilEnd(generate(client, chatId));
    const reply = await lastMessage(client, chatId);
    const op = (opId: string, reasoning: string, baseRevision?: number) => ({ opId, type: 'setReasoning', messageId: reply.id, reasoning, ...(baseRevision !== undefined && { baseRevision }) });
    const edited = await client.post(`/api/chats/${chatId}/ops`, { ops: [op('reason-op-1', 'edited', reply.revision)] });
    assert.equal(edited.body.results[0].status, 'applied');
    let now = await lastMessage(client, chatId);
    assert.equal(now.extra.reasoning, 'edited');
    assert.deepEqual(now.extra.usage, reply.extra.usage, 'the rest of extra is kept');
    const again = await client.post(`/api/chats/${chatId}/ops`, { ops: [op('reason-op-1', 'something else')] });
    assert.equal(again.body.results[0].status, 'duplicate');
    const stale = await client.post(`/api/chats/${chatId}/ops`, { ops: [op('reason-op-2', 'late', reply.revision)] });
    assert.equal(stale.body.results[0].status, 'conflict');
    assert.equal(stale.body.results[0].current.extra.reasoning, 'edited');
    await client.post(`/api/chats/${chatId}/ops`, { ops: [op('reason-op-3', '')] });
    now = await lastMessage(client, chatId);
    assert.equal('reasoning' in now.extra, false);
    const bad = await client.post(`/api/chats/${chatId}/ops`, { ops: [op('reason-op-4', 'nul \u0000 here')] });
    assert.equal(bad.status, 400);
  });
});

describe('Claude prefill', () => {
  for (const show of [false, true]) {
    test(`the prefill is the closing assistant message; the stored reply ${show ? 'starts with it' : 'does not show it'}`, async () => {
      const server = await serve();
      const { client, chatId } = await setUp(server, claudeConnection({ assistant_prefill: '*Sera looks up* ', show_prefill: show }));
      anthropic.script = { text: [' Yes?'] };
      const events = await untilEnd(generate(client, chatId));
      assert.deepEqual(anthropic.lastBody().messages.at(-1), { role: 'assistant', content: '*Sera looks up*' });
      const reply = await lastMessage(client, chatId);
      assert.equal(reply.content, show ? '*Sera looks up* Yes?' : 'Yes?');
      assert.equal(tokensOf(events), reply.content);
    });
  }
});

describe('Gemini through the server', () => {
  test('thoughts as reasoning, usage stored, safety block said in words with the text kept', async () => {
    const server = await serve();
    const { client, chatId } = await setUp(server, {
      api: 'google',
      baseUrl: gemini.url,
      apiKey: KEY,
      model: 'gemini-2.5-flash',
      settings: { reasoning_effort: 'low' },
    });
    gemini.script = { thoughts: ['Hmm.'], text: ['Hi'], usage: { promptTokenCount: 11, candidatesTokenCount: 1, thoughtsTokenCount: 3 } };
    await untilEnd(generate(client, chatId));
    let reply = await lastMessage(client, chatId);
    assert.deepEqual([reply.content, reply.extra.reasoning], ['Hi', 'Hmm.']);
    assert.deepEqual(reply.extra.usage, { prompt_tokens: 11, completion_tokens: 4, reasoning_tokens: 3 });

    gemini.script = { text: ['Some', ' words'], finishReason: 'SAFETY' };
    const events = await untilEnd(generate(client, chatId, { mode: 'swipe' }));
    const end = events.at(-1)!;
    assert.equal(end.event, 'error');
    assert.equal(end.data.failure, 'content_blocked');
    assert.match(end.data.message, /safety filter \(SAFETY\); the text so far is kept/);
    reply = await lastMessage(client, chatId);
    assert.deepEqual([reply.content, reply.status], ['Some words', 'cut']);
  });
});

describe('usage by day, per connection and per chat, with an estimated cost', () => {
  for (const dialect of DIALECTS) {
    test(`${dialect}: sums, days and cost at the connection's prices`, async (t) => {
      const why = await unavailable(dialect);
      if (why) return t.skip(why);
      const db = await freshDatabase(dialect);
      t.after(() => db.dispose());
      const server = await serve(db.configKeys);
      const { client, chatId, connectionId } = await setUp(
        server,
        claudeConnection({ price_input: 3, price_output: 15, price_cache_read: 0.3 }),
      );
      anthropic.script = { text: ['a'], usage: { input_tokens: 1000, output_tokens: 200, cache_read_input_tokens: 1000 } };
      await untilEnd(generate(client, chatId));
      await untilEnd(generate(client, chatId, { mode: 'swipe' }));
      const other = await createCharacterAndChat(client);
      await client.post(`/api/chats/${other.chatId}/ops`, { ops: [appendOp('Hi')] });
      await untilEnd(generate(client, other.chatId));

      const byConnection = await client.get(`/api/usage?connectionId=${connectionId}&days=7&tzOffset=120`);
      assert.equal(byConnection.status, 200);
      const report = byConnection.body;
      assert.equal(report.days.length, 7);
      assert.match(report.days[0].day, /^\d{4}-\d{2}-\d{2}$/);
      const today = report.days.at(-1);
      assert.equal(today.replies, 3);
      assert.equal(today.promptTokens, 6000);
      assert.equal(today.completionTokens, 600);
      assert.equal(today.cacheReadTokens, 3000);
      // 3 × (1000 uncached × $3 + 1000 cached × $0.3 + 200 out × $15) / 1M
      assert.ok(Math.abs(today.cost - 3 * (3000 + 300 + 3000) / 1e6) < 1e-12, String(today.cost));
      assert.equal(report.days.slice(0, -1).every((d: { replies: number }) => d.replies === 0), true);
      assert.deepEqual(report.connections.map((c: { id: string; name: string }) => [c.id, c.name]), [[connectionId, 'Native']]);
      assert.equal(report.totals.replies, 3);

      const byChat = (await client.get(`/api/usage?chatId=${chatId}`)).body;
      assert.equal(byChat.totals.replies, 2, 'the swipe counts: it was paid for');
      assert.equal(byChat.days.length, 30);

      const bad = await client.get('/api/usage?days=0');
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error, 'invalid_request');
    });
  }
});

describe('keys are never echoed or logged', () => {
  test('the profile shows a hint; an error naming the key is redacted', async () => {
    const server = await serve();
    const { client, chatId, connectionId } = await setUp(server, claudeConnection());
    const profile = (await client.get(`/api/connections/${connectionId}`)).body;
    assert.equal(profile.apiKeyHint, 'sk-…efgh');
    assert.ok(!JSON.stringify(profile).includes(KEY));
    anthropic.script = { status: 401, errorType: 'authentication_error', errorMessage: `invalid x-api-key ${KEY}` };
    const events = await untilEnd(generate(client, chatId));
    const end = events.at(-1)!;
    assert.equal(end.data.failure, 'unauthorized');
    assert.ok(!end.data.message.includes(KEY), end.data.message);
    assert.match(end.data.message, /\[API key\]/);
    const tested = (await client.post(`/api/connections/${connectionId}/test`)).body;
    assert.equal(tested.ok, false);
    assert.ok(!tested.message.includes(KEY));
    await sleep(0);
  });
});
