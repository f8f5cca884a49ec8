import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { FakeLlmServer, numberedTokens } from '../../support/fake-llm-server.js';
import { appendOp, createCharacterAndChat, newId } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { createPostgresSchema, postgresUnavailable } from '../../support/postgres.js';
import { SseReader, tokensOf, untilEnd } from '../../support/sse-reader.js';
import { startTestServer, tempDir } from '../../support/test-server.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const cleanups: Array<() => unknown> = [];
let fake: FakeLlmServer;

before(async () => {
  fake = await FakeLlmServer.start();
});
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await fake.close();
});

async function chatWithConnection(client: TestClient) {
  const { chatId } = await createCharacterAndChat(client);
  await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Hello there.')] });
  await client.post('/api/connections', { id: newId(), name: 'Fake', api: 'chat-completions', baseUrl: fake.url, model: 'fake-model' });
  return chatId;
}

function sse(client: TestClient, path: string, init?: { method: string; body: unknown }) {
  const reader = new SseReader(client, path, init);
  cleanups.push(() => reader.close());
  return reader;
}

async function lastMessage(client: TestClient, chatId: string) {
  return (await client.get(`/api/chats/${chatId}/messages`)).body.messages.at(-1);
}

test('with PostgreSQL, another node follows a generation from the database, refuses a second one, and stops it', async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable) return t.skip(unavailable);
  const schema = await createPostgresSchema();
  cleanups.push(() => schema.drop());
  const config = { database: { url: schema.url }, logLevel: 'warn' };
  const nodeA = await startTestServer({ config });
  cleanups.push(() => nodeA.close());
  const nodeB = await startTestServer({ config });
  cleanups.push(() => nodeB.close());
  const onA = new TestClient(nodeA.url);
  await onA.session();
  const onB = onA.sameBrowser(nodeB.url);
  await onB.session();
  const chatId = await chatWithConnection(onA);

  const tokens = numberedTokens(30);
  fake.script = { tokens, delayMs: 30 };
  const onNodeA = sse(onA, `/api/chats/${chatId}/generate`, { method: 'POST', body: {} });
  const start = await onNodeA.until((e) => e.event === 'start');
  onNodeA.close();
  const second = await onB.post(`/api/chats/${chatId}/generate`, { mode: 'swipe' });
  assert.equal(second.status, 409, 'the running generation is seen from every node');
  const followed = await untilEnd(sse(onB, `/api/generations/${start.data.generationId}/stream`));
  assert.deepEqual(followed[0], start);
  assert.equal(tokensOf(followed), tokens.join('').trim(), 'node B relays the text node A stores, nothing twice');
  assert.equal(followed.at(-1)!.event, 'done');
  const reply = await lastMessage(onB, chatId);
  assert.equal(followed.at(-1)!.data.revision, reply.revision);

  fake.script = { tokens: numberedTokens(200), delayMs: 30 };
  const swipe = sse(onA, `/api/chats/${chatId}/generate`, { method: 'POST', body: { mode: 'swipe' } });
  const swipeStart = await swipe.until((e) => e.event === 'start');
  await swipe.until((e) => e.event === 'token');
  const stopped = await onB.post(`/api/generations/${swipeStart.data.generationId}/stop`);
  assert.equal(stopped.status, 200);
  assert.equal(stopped.body.state, 'stopped', 'node A heard the stop asked through node B');
  const rest = await untilEnd(swipe);
  assert.equal(rest.at(-1)!.data.stopped, true);
  const kept = await lastMessage(onA, chatId);
  assert.equal(kept.status, 'complete');
  assert.equal(kept.swipes.length, 2);
  assert.ok(kept.content.length > 0 && numberedTokens(200).join('').startsWith(` ${kept.content}`));
});

test('with PostgreSQL, settings changed through another node make the next prompt on this one (parsed settings are kept per revision)', async (t) => {
  const unavailable = await postgresUnavailable();
  if (unavailable) return t.skip(unavailable);
  const schema = await createPostgresSchema();
  cleanups.push(() => schema.drop());
  const config = { database: { url: schema.url }, logLevel: 'warn' };
  const nodeA = await startTestServer({ config });
  cleanups.push(() => nodeA.close());
  const nodeB = await startTestServer({ config });
  cleanups.push(() => nodeB.close());
  const onA = new TestClient(nodeA.url);
  await onA.session();
  const onB = onA.sameBrowser(nodeB.url);
  await onB.session();
  const chatId = await chatWithConnection(onA);
  fake.script = { tokens: [' Yes.'] };
  const systemPrompt = async (client: TestClient, content: string) => {
    const patched = await client.patch('/api/settings', { opId: newId(), patch: { prompt: { systemPrompts: [{ id: 'mine', name: 'Mine', content }], activeSystemPrompt: 'mine' } } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
  };
  const sentSystemPrompt = async (mode: string) => {
    await untilEnd(sse(onA, `/api/chats/${chatId}/generate`, { method: 'POST', body: { mode } }));
    const messages = fake.lastCompletion().messages as { role: string; content: string }[];
    return messages.find((m) => m.role === 'system')?.content ?? '';
  };

  await systemPrompt(onA, 'FIRST PROMPT');
  assert.match(await sentSystemPrompt('new'), /FIRST PROMPT/);
  assert.match(await sentSystemPrompt('swipe'), /FIRST PROMPT/, 'unchanged settings: the same prompt');
  await systemPrompt(onB, 'SECOND PROMPT');
  const after = await sentSystemPrompt('swipe');
  assert.match(after, /SECOND PROMPT/, 'node A reads the settings node B wrote');
  assert.doesNotMatch(after, /FIRST PROMPT/);
});

test('a server killed mid-reply: the next start marks the saved text as cut and a re-attach reports it', async () => {
  const dataDir = tempDir('parley-crash-');
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/server/main.ts'), 'serve', '--port', '0', '--data', dataDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  cleanups.push(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
  const exited = new Promise((resolve) => child.on('close', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const address = /"address":"(http:\/\/[^"]+)"/.exec(out)?.[1];
      if (address) {
        clearTimeout(timer);
        resolve(address);
      }
    });
  });
  const client = new TestClient(url);
  await client.session();
  const chatId = await chatWithConnection(client);
  fake.script = { tokens: numberedTokens(400), delayMs: 20 };
  const reader = sse(client, `/api/chats/${chatId}/generate`, { method: 'POST', body: {} });
  const start = await reader.until((e) => e.event === 'start');
  const deadline = Date.now() + 5000;
  while ((await lastMessage(client, chatId)).content.length < 10 && Date.now() < deadline) await sleep(50);
  const saved = (await lastMessage(client, chatId)).content as string;
  assert.ok(saved.length >= 10, 'text was saved while streaming');
  child.kill('SIGKILL');
  await exited;

  const restarted = await startTestServer({ dataDir, config: { logLevel: 'warn' } });
  cleanups.push(() => restarted.stop());
  const again = client.sameBrowser(restarted.url);
  await again.session();
  const reply = await lastMessage(again, chatId);
  assert.equal(reply.id, start.data.messageId);
  assert.equal(reply.status, 'cut');
  assert.ok(reply.content.startsWith(saved), 'nothing saved before the kill is lost');
  const report = await untilEnd(sse(again, `/api/generations/${start.data.generationId}/stream`));
  assert.deepEqual(report.map((e) => e.event), ['start', 'token', 'error']);
  assert.equal(tokensOf(report), reply.content);
  assert.equal(report.at(-1)!.data.messageId, reply.id);
  assert.match(report.at(-1)!.data.message, /stopped before it finished/);
  // The chat is free again.
  fake.script = { tokens: ['Back.'] };
  const next = await untilEnd(sse(again, `/api/chats/${chatId}/generate`, { method: 'POST', body: { mode: 'swipe' } }));
  assert.equal(next.at(-1)!.event, 'done');
});
