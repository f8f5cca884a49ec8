import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { FakeLlmServer } from '../../support/fake-llm-server.js';
import { appendOp, newId } from '../../support/fixtures.js';
import { chatWithFake, generateThroughFake, sentMessages } from '../../support/generation-harness.js';
import type { TestClient } from '../../support/http-client.js';
import { DIALECTS, freshDatabase, unavailable } from '../../support/test-databases.js';
import { serversForThisFile } from '../../support/test-server.js';

let fake: FakeLlmServer;
before(async () => {
  fake = await FakeLlmServer.start();
});
after(() => fake.close());
beforeEach(() => {
  fake.script = { tokens: [' I', ' will.'] };
});
const serve = serversForThisFile({ logLevel: 'warn' });

const patchPrompt = async (client: TestClient, prompt: Record<string, unknown>) => {
  const reply = await client.patch('/api/settings', { opId: newId(), patch: { prompt } });
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
};
const lastReply = async (client: TestClient, chatId: string) => {
  const messages = (await client.get(`/api/chats/${chatId}/messages`)).body.messages as { content: string }[];
  return messages.at(-1)!.content;
};

describe('system prompt presets, post-history instructions, "Start reply with" and Continue, through the backend', () => {
  test('chat completion: the active preset, the global post-history instruction, and the reply started as an assistant message', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithFake(server, fake, { card: { description: 'DESC', system_prompt: '' } });
    await patchPrompt(client, {
      systemPrompts: [
        { id: 'plain', name: 'Plain', content: 'PLAIN' },
        { id: 'story', name: 'Story', content: 'You narrate for {{char}}.' },
      ],
      activeSystemPrompt: 'story',
      postHistoryInstructions: 'Stay in character, {{user}}.',
      startReplyWith: 'Sure,',
    });
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Will you help?')] });
    const body = await generateThroughFake(client, fake, chatId);
    assert.deepEqual(sentMessages(body), [
      'system: You narrate for Seraphina.\nDESC',
      'assistant: Welcome, traveller.',
      'user: Will you help?',
      'system: Stay in character, Ann.',
      'assistant: Sure,',
    ]);
    assert.equal(await lastReply(client, chatId), 'Sure, I will.');
    const inspection = (await client.get(`/api/chats/${chatId}/prompt`)).body;
    assert.deepEqual(
      inspection.sections.map((s: { part: string; source: { kind: string; detail: string } }) => `${s.part} ${s.source.kind}:${s.source.detail}`).filter((s: string) => !s.startsWith('history')),
      ['system_prompt settings:system prompt: Story', 'description card:description', 'post_history_instructions settings:post_history_instructions', 'start_reply_with settings:start_reply_with'],
    );
  });

  test("the card's system prompt overrides the preset (naming it as {{original}}) unless the user prefers the preset", async () => {
    const server = await serve();
    const { client, chatId } = await chatWithFake(server, fake, { card: { description: '', system_prompt: 'CARD: {{original}}', post_history_instructions: 'CARD PHI' } });
    await patchPrompt(client, { systemPrompts: [{ id: 'p', name: 'P', content: 'PRESET' }], activeSystemPrompt: 'p', postHistoryInstructions: 'GLOBAL PHI' });
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Hi')] });
    let sent = sentMessages(await generateThroughFake(client, fake, chatId));
    assert.equal(sent[0], 'system: CARD: PRESET');
    assert.equal(sent.at(-1), 'system: CARD PHI');
    await patchPrompt(client, { preferCardSystemPrompt: false, preferCardPostHistory: false });
    sent = sentMessages(await generateThroughFake(client, fake, chatId, { mode: 'regenerate' }));
    assert.equal(sent[0], 'system: PRESET');
    assert.equal(sent.at(-1), 'system: GLOBAL PHI');
  });

  test('a backend that does not extend an assistant message: "Start reply with" as a system message, Continue by the nudge', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithFake(server, fake, { card: { description: '', system_prompt: 'SYS' } });
    await patchPrompt(client, { continuePrefill: false, startReplyWith: 'Sure,' });
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Go on.')] });
    let sent = sentMessages(await generateThroughFake(client, fake, chatId));
    assert.deepEqual(sent.slice(-2), ['user: Go on.', 'system: Sure,']);
    assert.equal(await lastReply(client, chatId), 'Sure, I will.');

    fake.script = { tokens: ['and', ' more.'] };
    sent = sentMessages(await generateThroughFake(client, fake, chatId, { mode: 'continue' }));
    assert.deepEqual(sent, [
      'system: SYS',
      'assistant: Welcome, traveller.',
      'user: Go on.',
      'system: [Continue the following message. Do not include ANY parts of the original message. Use capitalization and punctuation as if your reply is a part of the original message: Sure, I will.]',
    ]);
    assert.equal(await lastReply(client, chatId), 'Sure, I will. and more.');
  });

  test('text completion: the reply header is followed by "Start reply with"; the template stop strings', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithFake(server, fake, { api: 'text-completions', card: { description: '', system_prompt: 'SYS' } });
    await patchPrompt(client, { startReplyWith: '*smiles*', showStartReplyWith: false });
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Hi')] });
    const body = await generateThroughFake(client, fake, chatId);
    assert.equal(
      body.prompt,
      '<|im_start|>system\nSYS\n<|im_end|>\n<|im_start|>assistant\nSeraphina: Welcome, traveller.<|im_end|>\n<|im_start|>user\nUser: Hi<|im_end|>\n<|im_start|>assistant\nSeraphina: *smiles*',
    );
    assert.deepEqual(body.stop, ['\nAnn:', '\n<|im_end|>', '\n<|im_start|>user', '\n<|im_start|>assistant', '\n<|im_start|>system']);
    // Not shown: the stored reply is what the model wrote.
    assert.equal(await lastReply(client, chatId), 'I will.');
  });
});

describe("the Author's Note through the backend", () => {
  for (const dialect of DIALECTS) {
  test(`${dialect}: kept in chat metadata as SillyTavern does: depth, role, frequency; the user's defaults when the chat has none`, async (t) => {
    const why = await unavailable(dialect);
    if (why) return t.skip(why);
    const db = await freshDatabase(dialect);
    t.after(() => db.dispose());
    const server = await serve(db.configKeys);
    const { client, chatId } = await chatWithFake(server, fake, { card: { description: '', system_prompt: 'SYS' } });
    await patchPrompt(client, { authorsNote: { prompt: 'DEFAULT NOTE', depth: 0 } });
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('one')] });
    let sent = sentMessages(await generateThroughFake(client, fake, chatId));
    assert.deepEqual(sent.slice(-2), ['user: one', 'system: DEFAULT NOTE']);

    // SillyTavern's keys: position 1 (in chat), depth 1, role 1 (user), every 2nd user message.
    const note = { note_prompt: '[Mood: {{char}} is tense]', note_interval: 2, note_depth: 1, note_position: 1, note_role: 1 };
    await client.post(`/api/chats/${chatId}/ops`, { ops: [{ opId: newId(), type: 'setMetadata', patch: note }] });
    sent = sentMessages(await generateThroughFake(client, fake, chatId, { mode: 'regenerate' }));
    assert.ok(!sent.some((m) => m.includes('Mood')), 'one user message: not due');
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('two')] });
    sent = sentMessages(await generateThroughFake(client, fake, chatId));
    assert.deepEqual(sent.slice(-3), ['assistant: I will.', 'user: [Mood: Seraphina is tense]', 'user: two']);

    // Before the prompt (position 2) and after the scenario (position 0) are in the system block.
    await client.post(`/api/chats/${chatId}/ops`, { ops: [{ opId: newId(), type: 'setMetadata', patch: { note_position: 2, note_interval: 1 } }] });
    sent = sentMessages(await generateThroughFake(client, fake, chatId, { mode: 'regenerate' }));
    assert.equal(sent[0], 'system: [Mood: Seraphina is tense]\nSYS');
    await client.post(`/api/chats/${chatId}/ops`, { ops: [{ opId: newId(), type: 'setMetadata', patch: { note_position: 0 } }] });
    sent = sentMessages(await generateThroughFake(client, fake, chatId, { mode: 'regenerate' }));
    assert.equal(sent[0], 'system: SYS\n[Mood: Seraphina is tense]');
  });
  }

  test('an imported SillyTavern chat with a note behaves the same and exports its keys back', async () => {
    const server = await serve();
    const { client, characterId } = await chatWithFake(server, fake, { card: { description: '', system_prompt: 'SYS' } });
    const metadata = { note_prompt: 'IMPORTED NOTE', note_interval: 1, note_depth: 2, note_position: 1, note_role: 0, chat_id_hash: 1234 };
    const lines = [
      { user_name: 'unused', character_name: 'unused', create_date: '2024-09-28@01h02m03s', chat_metadata: metadata },
      { name: 'Seraphina', is_user: false, is_system: false, send_date: '2024-09-28T01:02:00.000Z', mes: 'Hello.', extra: {} },
      { name: 'Ann', is_user: true, is_system: false, send_date: '2024-09-28T01:03:00.000Z', mes: 'Hi.', extra: {} },
      { name: 'Seraphina', is_user: false, is_system: false, send_date: '2024-09-28T01:04:00.000Z', mes: 'Yes?', extra: {} },
      { name: 'Ann', is_user: true, is_system: false, send_date: '2024-09-28T01:05:00.000Z', mes: 'Go.', extra: {} },
    ];
    const form = new FormData();
    form.append('file', new Blob([lines.map((l) => JSON.stringify(l)).join('\n')], { type: 'application/jsonl' }), 'chat.jsonl');
    const imported = await client.post(`/api/chats/import?characterId=${characterId}`, form);
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    const chatId = imported.body.id as string;
    const sent = sentMessages(await generateThroughFake(client, fake, chatId));
    assert.deepEqual(sent, ['system: SYS', 'assistant: Hello.', 'user: Hi.', 'system: IMPORTED NOTE', 'assistant: Yes?', 'user: Go.']);
    const exported = await fetch(`${server.url}/api/chats/${chatId}/export?format=jsonl`, { headers: { cookie: client.cookieHeader } });
    const header = JSON.parse((await exported.text()).replace(/^\uFEFF/, '').split('\n')[0]!);
    for (const [key, value] of Object.entries(metadata)) assert.deepEqual(header.chat_metadata[key], value, key);
  });
});
