import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { FakeLlmServer } from '../../support/fake-llm-server.js';
import { appendOp, newId } from '../../support/fixtures.js';
import { chatWithFake, generateThroughFake, sentMessages } from '../../support/generation-harness.js';
import { serversForThisFile } from '../../support/test-server.js';

let fake: FakeLlmServer;
before(async () => {
  fake = await FakeLlmServer.start();
});
after(() => fake.close());
beforeEach(() => {
  fake.script = { tokens: ['ok'] };
});
const serve = serversForThisFile({ logLevel: 'warn' });

describe('macros in a generated prompt', () => {
  test('chat variables: setvar/addvar in the card run once per prompt and are kept in chat metadata `variables`', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithFake(server, fake, {
      card: {
        description: '{{addvar::visits::1}}Visit {{getvar::visits}} of {{user}}; mood {{getvar::mood}}.',
        system_prompt: '{{// not sent }}{{original}}{{trim}}\nNested: {{random::{{char}}}}.',
      },
    });
    // An imported SillyTavern chat brings its variables in its metadata.
    await client.post(`/api/chats/${chatId}/ops`, { ops: [{ opId: newId(), type: 'setMetadata', patch: { variables: { mood: 'calm', visits: 4 } } }] });
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Hi {{char}}. Last: {{lastUserMessage}}')] });
    const sent = sentMessages(await generateThroughFake(client, fake, chatId));
    assert.deepEqual(sent, [
      "system: Write Seraphina's next reply in a fictional chat between Seraphina and Ann.Nested: Seraphina.\nVisit 5 of Ann; mood calm.",
      'assistant: Welcome, traveller.',
      'user: Hi Seraphina. Last: Hi {{char}}. Last: {{lastUserMessage}}',
    ]);
    assert.deepEqual((await client.get(`/api/chats/${chatId}`)).body.metadata.variables, { mood: 'calm', visits: 5 });
    await generateThroughFake(client, fake, chatId, { mode: 'regenerate' });
    assert.deepEqual((await client.get(`/api/chats/${chatId}`)).body.metadata.variables, { mood: 'calm', visits: 6 });
  });

  test('{{pick}} keeps its choice from one generation to the next; unknown macros reach the model as written', async () => {
    const server = await serve();
    const { client, chatId } = await chatWithFake(server, fake, {
      card: { description: 'Weather: {{pick::rain::sun::snow::fog::wind::hail}}. {{unknownMacro}} {{getvar}}' },
    });
    const first = sentMessages(await generateThroughFake(client, fake, chatId))[0];
    const second = sentMessages(await generateThroughFake(client, fake, chatId, { mode: 'regenerate' }))[0];
    assert.equal(first, second);
    assert.match(first!, /Weather: (rain|sun|snow|fog|wind|hail)\. \{\{unknownMacro\}\} \{\{getvar\}\}$/);
    // Nothing was set, so the chat's metadata gains no variables.
    assert.equal((await client.get(`/api/chats/${chatId}`)).body.metadata.variables, undefined);
  });
});
