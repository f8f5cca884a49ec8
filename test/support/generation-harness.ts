import assert from 'node:assert/strict';
import type { FakeLlmServer } from './fake-llm-server.js';
import { makeCard, newId } from './fixtures.js';
import { TestClient } from './http-client.js';
import { SseReader, untilEnd } from './sse-reader.js';
import type { TestServer } from './test-server.js';

/** A signed-in user with a persona, a character and a chat, connected to the fake backend. */
export async function chatWithFake(
  server: TestServer,
  fake: FakeLlmServer,
  options: { card?: Record<string, unknown>; api?: 'chat-completions' | 'text-completions'; connection?: Record<string, unknown> } = {},
) {
  const client = new TestClient(server.url);
  await client.session();
  const character = (await client.post('/api/characters', { card: makeCard({ personality: '', scenario: '', ...options.card }) })).body;
  assert.ok(character.id, JSON.stringify(character));
  const persona = await client.post('/api/personas', { id: newId(), name: 'Ann', description: '', isDefault: true });
  assert.equal(persona.status, 201);
  const chat = (await client.post('/api/chats', { characterId: character.id })).body;
  const connection = await client.post('/api/connections', {
    id: newId(),
    name: 'Fake',
    api: options.api ?? 'chat-completions',
    baseUrl: fake.url,
    model: 'fake-model',
    ...options.connection,
  });
  assert.equal(connection.status, 201, JSON.stringify(connection.body));
  return { client, chatId: chat.id as string, characterId: character.id as string, connectionId: connection.body.id as string };
}

/** Generates through the server and returns the request the fake backend received. */
export async function generateThroughFake(
  client: TestClient,
  fake: FakeLlmServer,
  chatId: string,
  body: Record<string, unknown> = { mode: 'new' },
): Promise<Record<string, unknown>> {
  fake.requests.length = 0;
  const reader = new SseReader(client, `/api/chats/${chatId}/generate`, { method: 'POST', body });
  try {
    const events = await untilEnd(reader);
    assert.equal(events.at(-1)?.event, 'done', JSON.stringify(events.at(-1)));
  } finally {
    reader.close();
  }
  const request = fake.requests.findLast((r) => r.path.endsWith('/completions'));
  assert.ok(request?.body, 'the backend received a request');
  return request.body as Record<string, unknown>;
}

/** The chat-completion messages of a request as "role: content" lines. */
export const sentMessages = (body: Record<string, unknown>) =>
  (body.messages as { role: string; content: string }[]).map((m) => `${m.role}: ${m.content}`);
