import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_HANDLE } from '../../src/server/security/accounts.js';
import { importSillyTavernFolder } from '../../src/server/services/sillytavern-import.js';
import { presetIdOf } from '../../src/server/services/sillytavern-presets.js';
import { FakeLlmServer } from '../support/fake-llm-server.js';
import { makeCard, newId } from '../support/fixtures.js';
import { generateThroughFake } from '../support/generation-harness.js';
import { TestClient } from '../support/http-client.js';
import { stPreset } from '../support/st-preset.js';
import { startTestServer, tempDir, type TestServer } from '../support/test-server.js';

const LIMITS = { maxCardBytes: 10 * 1024 * 1024, maxChatBytes: 10 * 1024 * 1024 };

/** A made-up SillyTavern user folder: one character with a chat, three presets (one in use), two bad ones. */
async function buildFolder(root: string) {
  const put = async (path: string, content: string) => {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
  };
  await put(
    'characters/Seraphina.json',
    JSON.stringify(makeCard({ description: 'DESC', personality: 'kind', scenario: 'a forest', system_prompt: '', post_history_instructions: '', mes_example: '' })),
  );
  const line = (name: string, isUser: boolean, mes: string) => ({ name, is_user: isUser, is_system: false, send_date: 'September 28, 2024 1:02am', mes, extra: {} });
  await put(
    'chats/Seraphina/Seraphina - 2024-09-28@01h02m03s.jsonl',
    [
      { user_name: 'Ann', character_name: 'Seraphina', create_date: '2024-09-28@01h02m03s', chat_metadata: {} },
      line('Seraphina', false, 'Welcome, traveller.'),
      line('Ann', true, 'Will you help?'),
    ]
      .map((o) => JSON.stringify(o))
      .join('\n'),
  );
  await put('settings.json', JSON.stringify({ username: 'Ann', main_api: 'openai', oai_settings: { preset_settings_openai: 'My RP', openai_model: 'gpt-4o' } }));
  await put('OpenAI Settings/My RP.json', JSON.stringify(stPreset(), null, 4));
  await put('OpenAI Settings/Default.json', JSON.stringify({ temperature: 1, prompts: [{ identifier: 'main', name: 'Main Prompt', role: 'system', content: 'DEFAULT MAIN' }] }));
  await put('OpenAI Settings/Broken.json', '{ "prompts": [');
  await put('OpenAI Settings/Wrong.json', JSON.stringify({ prompts: 'nope' }));
}

describe('parley import-sillytavern: chat-completion presets', () => {
  let tmp: string;
  let server: TestServer;
  let fake: FakeLlmServer;

  before(async () => {
    tmp = tempDir('parley-st-presets-');
    await buildFolder(join(tmp, 'default-user'));
    server = await startTestServer();
    fake = await FakeLlmServer.start();
    fake.script = { tokens: ['Yes.'] };
  });
  after(async () => {
    await server.close();
    await fake.close();
    await rm(tmp, { recursive: true, force: true });
  });

  test('every preset comes over, the one in use is put in use, bad files are reported, and the first reply has its order', async () => {
    const client = new TestClient(server.url);
    await client.session();
    const owner = (await server.store.users.byHandle(DEFAULT_HANDLE))!;
    const report = await importSillyTavernFolder(server.store, join(tmp, 'default-user'), { userId: owner.id, now: Date.now, ...LIMITS });
    assert.equal(report.imported.presets, 2);
    assert.equal(report.activePreset, 'My RP');
    assert.deepEqual(
      report.skipped.filter((s) => s.path.startsWith('OpenAI Settings')).map((s) => s.path).sort(),
      ['OpenAI Settings/Broken.json', 'OpenAI Settings/Wrong.json'],
    );
    assert.match(report.skipped.find((s) => s.path.endsWith('Wrong.json'))!.reason, /prompts/);

    const settings = (await client.get('/api/settings')).body.values;
    assert.equal(settings.promptManager.active, presetIdOf('My RP'));
    assert.deepEqual(Object.values(settings.promptManager.presets).map((p) => (p as { name: string }).name).sort(), ['Default', 'My RP']);

    // The first reply after moving in, through a chat-completions backend.
    const connection = await client.post('/api/connections', { id: newId(), name: 'Fake', api: 'chat-completions', baseUrl: fake.url, model: 'fake' });
    assert.equal(connection.status, 201);
    const chats = (await client.get('/api/chats')).body;
    const chatId = (Array.isArray(chats) ? chats : chats.chats)[0].id as string;
    const body = await generateThroughFake(client, fake, chatId);
    const sent = (body.messages as { role: string; content: string; name?: string }[]).map((m) => `${m.role}: ${m.content}`);
    assert.deepEqual(sent, [
      'system: Main for Seraphina.',
      'system: DESC',
      "system: [Seraphina's personality: kind]",
      'system: [Scene: a forest]',
      'user: Custom rel',
      'system: NSFW on',
      'system: [Start]',
      'assistant: Welcome, traveller.',
      'system: Depth one',
      'system: Depth one late',
      'user: Will you help?',
      'assistant: Depth zero A',
      // No persona came over: the account's name is the user's.
      'system: JB User',
    ]);

    // A second run finds them and changes no choice made since.
    await client.patch('/api/settings', { opId: newId(), patch: { promptManager: { active: presetIdOf('Default') } } });
    const again = await importSillyTavernFolder(server.store, join(tmp, 'default-user'), { userId: owner.id, now: Date.now, ...LIMITS });
    assert.equal(again.imported.presets, 0);
    assert.equal(again.alreadyThere.presets, 2);
    assert.equal(again.activePreset, null);
    assert.equal((await client.get('/api/settings')).body.values.promptManager.active, presetIdOf('Default'));

    // A preset not in use exports with its own texts.
    const exported = (await client.get(`/api/prompt-presets/${presetIdOf('My RP')}/export`)).body;
    assert.deepEqual(exported, stPreset());
  });
});
