import assert from 'node:assert/strict';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { unzipSync } from 'fflate';
import { after, before, beforeEach, describe, test } from 'node:test';
import { importSillyTavernFolder } from '../../../src/server/services/sillytavern-import.js';
import { DEFAULT_HANDLE } from '../../../src/server/security/accounts.js';
import { FakeLlmServer } from '../../support/fake-llm-server.js';
import { appendOp, newId } from '../../support/fixtures.js';
import { addUser } from '../../support/users.js';
import { chatWithFake, generateThroughFake } from '../../support/generation-harness.js';
import type { TestClient } from '../../support/http-client.js';
import { serversForThisFile, tempDir } from '../../support/test-server.js';

let fake: FakeLlmServer;
before(async () => {
  fake = await FakeLlmServer.start();
});
after(() => fake.close());
beforeEach(() => {
  fake.script = { tokens: [' I', ' will.'] };
});
const serve = serversForThisFile({ logLevel: 'warn' });

/** An instruct file as SillyTavern writes one (its UI-only keys included). */
const ST_INSTRUCT = {
  name: 'My ChatML',
  input_sequence: '<|im_start|>user',
  output_sequence: '<|im_start|>assistant',
  system_sequence: '<|im_start|>system',
  input_suffix: '<|im_end|>\n',
  output_suffix: '<|im_end|>\n',
  system_suffix: '<|im_end|>\n',
  first_output_sequence: '',
  last_output_sequence: '',
  story_string_prefix: '<|im_start|>system',
  story_string_suffix: '<|im_end|>\n',
  stop_sequence: '<|im_end|>',
  wrap: true,
  macro: true,
  names_behavior: 'force',
  activation_regex: '',
  sequences_as_stop_strings: true,
  skip_examples: false,
  system_same_as_user: false,
  user_alignment_message: '',
  enabled: true,
  bind_to_context: false,
};
const ST_CONTEXT = {
  name: 'My Context',
  story_string:
    "{{#if system}}{{system}}\n{{/if}}{{#if description}}{{description}}\n{{/if}}{{#if personality}}{{char}}'s personality: {{personality}}\n{{/if}}{{#if scenario}}Scenario: {{scenario}}\n{{/if}}{{#if persona}}{{persona}}\n{{/if}}{{trim}}",
  example_separator: '### Example:',
  chat_start: '### Chat:',
  use_stop_strings: false,
  names_as_stop_strings: true,
  story_string_position: 0,
  always_force_name2: true,
  trim_sentences: false,
  single_line: false,
};
const ST_TEXTGEN = {
  temp: 0.8,
  min_p: 0.05,
  rep_pen: 1.1,
  freq_pen: 0.3,
  seed: 7,
  dry_multiplier: 0.8,
  dry_base: 1.75,
  dry_allowed_length: 2,
  dry_sequence_breakers: '["\\n", ":"]',
  xtc_threshold: 0.1,
  xtc_probability: 0.5,
  banned_tokens: '13\nshivers down',
  mirostat_mode: 0,
  sampler_order: [6, 0, 1],
};

const CARD = {
  description: 'DESC',
  personality: 'kind',
  scenario: 'a glade',
  system_prompt: '',
  mes_example: '<START>\n{{user}}: Who are you?\n{{char}}: A guardian.',
};

/** The prompt SillyTavern builds for this chat with ST_INSTRUCT and ST_CONTEXT (worked out from its instruct mode). */
const EXPECTED_PROMPT =
  '<|im_start|>system\n' +
  "Write Seraphina's next reply in a fictional chat between Seraphina and Ann.\nDESC\nSeraphina's personality: kind\nScenario: a glade\n" +
  '<|im_end|>\n' +
  '### Example:\n<|im_start|>user\nAnn: Who are you?<|im_end|>\n<|im_start|>assistant\nA guardian.<|im_end|>\n' +
  '### Chat:\n' +
  '<|im_start|>assistant\nWelcome, traveller.<|im_end|>\n' +
  '<|im_start|>user\nWill you help?<|im_end|>\n' +
  '<|im_start|>assistant\n';
const EXPECTED_STOP = ['\nAnn:', '\n<|im_end|>', '\n<|im_start|>user', '\n<|im_start|>assistant', '\n<|im_start|>system'];
const EXPECTED_SAMPLERS = {
  temperature: 0.8,
  min_p: 0.05,
  repetition_penalty: 1.1,
  frequency_penalty: 0.3,
  seed: 7,
  logit_bias: { '13': -100 },
  banned_strings: ['shivers down'],
  dry_multiplier: 0.8,
  dry_base: 1.75,
  dry_allowed_length: 2,
  dry_sequence_breakers: ['\n', ':'],
  xtc_threshold: 0.1,
  xtc_probability: 0.5,
};

const importFile = (client: TestClient, kind: string, id: string, data: unknown, name?: string) =>
  client.post('/api/formatting/import', { kind, id, data, ...(name && { name }) });

describe('text completion through imported SillyTavern templates and presets', () => {
  test('the backend receives the prompt, stop strings and samplers SillyTavern would send', async () => {
    const server = await serve();
    const { client, chatId, connectionId } = await chatWithFake(server, fake, { api: 'text-completions', card: CARD });
    assert.equal((await importFile(client, 'instruct', 'my-chatml', ST_INSTRUCT)).status, 201);
    assert.equal((await importFile(client, 'context', 'my-context', ST_CONTEXT)).status, 201);
    const preset = await importFile(client, 'sampler', 'warm', ST_TEXTGEN, 'Warm');
    assert.deepEqual(preset.body, { kind: 'sampler', id: 'warm', name: 'Warm' });
    // Applying a preset copies its values into the connection (what the connection form does).
    const catalog = (await client.get('/api/formatting')).body;
    const { samplers } = catalog.samplerPresets.find((p: { id: string }) => p.id === 'warm').preset;
    const patched = await client.patch(`/api/connections/${connectionId}`, { instructTemplate: 'my-chatml', settings: { ...samplers, context_template: 'my-context' } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Will you help?')] });

    const body = await generateThroughFake(client, fake, chatId);
    assert.equal(body.prompt, EXPECTED_PROMPT);
    assert.deepEqual(body.stop, EXPECTED_STOP);
    for (const [key, value] of Object.entries(EXPECTED_SAMPLERS)) assert.deepEqual(body[key], value, key);
    assert.equal('mirostat' in body, false, 'mirostat is off in the preset');
    assert.equal(body.max_tokens, 400, 'a preset without genamt keeps the response length');
  });

  test('a template id that names nothing (deleted since) falls back to the default; generation still works', async () => {
    const server = await serve();
    const { client, chatId, connectionId } = await chatWithFake(server, fake, { api: 'text-completions', card: { system_prompt: 'SYS', description: '' } });
    await client.patch(`/api/connections/${connectionId}`, { instructTemplate: 'gone-template', settings: { context_template: 'gone-too' } });
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Hi')] });
    const body = await generateThroughFake(client, fake, chatId);
    assert.equal(body.prompt, '<|im_start|>system\nSYS\n<|im_end|>\n<|im_start|>assistant\nSeraphina: Welcome, traveller.<|im_end|>\n<|im_start|>user\nUser: Hi<|im_end|>\n<|im_start|>assistant\nSeraphina:');
  });
});

describe('formatting API', () => {
  test('import, list, export round trip in SillyTavern\'s format; bundled templates export too', async () => {
    const server = await serve();
    const { client } = await chatWithFake(server, fake);
    await importFile(client, 'instruct', 'my-chatml', ST_INSTRUCT);
    await importFile(client, 'sampler', 'warm', ST_TEXTGEN);
    const catalog = (await client.get('/api/formatting')).body;
    assert.ok(catalog.instruct.some((t: { id: string; bundled: boolean }) => t.id === 'llama3' && t.bundled));
    assert.ok(catalog.instruct.some((t: { id: string; bundled: boolean }) => t.id === 'my-chatml' && !t.bundled));
    assert.ok(catalog.context.some((t: { id: string }) => t.id === 'instruct'));
    assert.deepEqual(catalog.defaults, { instruct: 'chatml', context: 'instruct' });

    const exported = await client.get('/api/formatting/instruct/my-chatml/export');
    assert.equal(exported.status, 200);
    assert.match(String(exported.headers.get('content-disposition')), /My ChatML\.json/);
    const { enabled: _e, bind_to_context: _b, ...honoured } = ST_INSTRUCT;
    assert.deepEqual(exported.body, { ...honoured, input_suffix: '<|im_end|>\n', first_input_sequence: '', last_input_sequence: '', last_system_sequence: '' });
    const preset = (await client.get('/api/formatting/sampler/warm/export')).body;
    const { sampler_order: _o, dry_sequence_breakers, ...kept } = ST_TEXTGEN;
    assert.deepEqual({ ...preset, dry_sequence_breakers: JSON.parse(preset.dry_sequence_breakers) }, { name: 'warm', ...kept, dry_sequence_breakers: JSON.parse(dry_sequence_breakers) });
    const bundled = await client.get('/api/formatting/instruct/llama3/export');
    assert.equal(bundled.body.name, 'Llama 3');
    assert.equal(bundled.body.stop_sequence, '<|eot_id|>');
    assert.equal((await client.get('/api/formatting/context/nope/export')).status, 404);
    assert.equal((await client.get('/api/formatting/sampler/llama3/export')).status, 404);
  });

  test('a file that does not read as its kind is a 400 naming the key, and nothing is stored', async () => {
    const server = await serve();
    const { client } = await chatWithFake(server, fake);
    const before = (await client.get('/api/settings')).body.revision;
    const cases: Array<[kind: string, data: unknown, key: RegExp]> = [
      ['instruct', { wrap: 'yes' }, /wrap/],
      ['instruct', { names_behavior: 'sometimes' }, /names_behavior/],
      ['context', { story_string: 42 }, /story_string/],
      ['sampler', { temp: 'hot' }, /temperature/],
      ['sampler', { dry_sequence_breakers: '[oops' }, /dry_sequence_breakers/],
      ['sampler', { top_p: 3 }, /top_p/],
    ];
    for (const [kind, data, key] of cases) {
      const reply = await importFile(client, kind, 'bad', data);
      assert.equal(reply.status, 400, `${kind} ${JSON.stringify(data)}`);
      assert.match(reply.body.message, key);
    }
    for (const body of [{ kind: 'instruct', id: 'bad', data: [1] }, { kind: 'theme', id: 'bad', data: {} }, { kind: 'instruct', id: '../x', data: {} }]) {
      assert.equal((await client.post('/api/formatting/import', body)).status, 400, JSON.stringify(body));
    }
    assert.equal((await client.get('/api/settings')).body.revision, before);
  });
});

describe('parley import-sillytavern brings the formatting and the selections', () => {
  let tmp: string;
  before(() => {
    tmp = tempDir('parley-st-formatting-');
  });
  after(() => rm(tmp, { recursive: true, force: true }));

  test('instruct/, context/, TextGen Settings/ and sysprompt/ are imported, the selected ones in use for the first reply', async () => {
    const folder = join(tmp, 'default-user');
    const put = async (path: string, value: unknown) => {
      await mkdir(join(folder, path, '..'), { recursive: true });
      await writeFile(join(folder, path), typeof value === 'string' ? value : JSON.stringify(value, null, 4));
    };
    await put('settings.json', {
      username: 'Ann',
      power_user: {
        instruct: { preset: 'My ChatML', enabled: true },
        context: { preset: 'My Context' },
        sysprompt: { enabled: true, name: 'Narrator' },
      },
      textgenerationwebui_settings: { preset: 'Warm', temp: 0.8 },
    });
    await put('instruct/My ChatML.json', ST_INSTRUCT);
    await put('instruct/Alpaca-ish.json', { name: 'Alpaca-ish', input_sequence: '### Instruction:', output_sequence: '### Response:', names: true, separator_sequence: '\n' });
    await put('instruct/Broken.json', '{ not json');
    await put('context/My Context.json', ST_CONTEXT);
    await put('TextGen Settings/Warm.json', ST_TEXTGEN);
    await put('TextGen Settings/Wrong.json', { temp: 'hot' });
    await put('sysprompt/Narrator.json', { name: 'Narrator', content: 'You narrate for {{char}}.' });

    const server = await serve();
    const { client, chatId } = await chatWithFake(server, fake, { api: 'text-completions', card: CARD });
    const owner = (await server.store.users.byHandle(DEFAULT_HANDLE))!;
    const run = () => importSillyTavernFolder(server.store, folder, { userId: owner.id, now: Date.now, maxCardBytes: 1 << 20, maxChatBytes: 1 << 20 });
    const report = await run();
    assert.deepEqual(report.formatting.imported, { instruct: 2, context: 1, samplerPresets: 1, systemPrompts: 1 });
    assert.deepEqual(report.formatting.active, { instruct: 'My ChatML', context: 'My Context', samplerPreset: 'Warm', systemPrompt: 'Narrator' });
    assert.deepEqual(report.skipped.map((s) => s.path).sort(), ['TextGen Settings/Wrong.json', 'instruct/Broken.json']);

    const catalog = (await client.get('/api/formatting')).body;
    const alpaca = catalog.instruct.find((t: { template: { name: string } }) => t.template.name === 'Alpaca-ish').template;
    assert.equal(alpaca.names_behavior, 'always', "SillyTavern's older `names: true`");
    assert.equal(alpaca.output_suffix, '\n', "SillyTavern's older separator_sequence");
    const settings = (await client.get('/api/settings')).body.values;
    assert.equal(catalog.samplerPresets.find((p: { id: string }) => p.id === settings.formatting.activeSamplerPreset).preset.name, 'Warm');

    // The chat's connection names no template: the imported selections format the first reply.
    await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('Will you help?')] });
    const body = await generateThroughFake(client, fake, chatId);
    assert.equal(body.prompt, EXPECTED_PROMPT.replace("Write Seraphina's next reply in a fictional chat between Seraphina and Ann.", 'You narrate for Seraphina.'));

    const again = await run();
    assert.equal(again.formatting.settingsChanged, false, 'a second run changes nothing');
  });
});

describe('Export everything carries the formatting', () => {
  test("instruct/, context/, TextGen Settings/ and sysprompt/ with the defaults in settings.json; they import back as they were", async () => {
    const server = await serve();
    const { client } = await chatWithFake(server, fake);
    await importFile(client, 'instruct', 'mine', ST_INSTRUCT);
    await importFile(client, 'context', 'ctx', ST_CONTEXT);
    await importFile(client, 'sampler', 'warm', ST_TEXTGEN, 'Warm');
    await client.patch('/api/settings', {
      opId: newId(),
      patch: {
        formatting: { activeInstruct: 'mine', activeContext: 'ctx', activeSamplerPreset: 'warm' },
        prompt: { systemPrompts: [{ id: 'narrator', name: 'Narrator', content: 'You narrate.' }], activeSystemPrompt: 'narrator' },
      },
    });
    const response = await fetch(`${server.url}/api/export`, { headers: { cookie: client.cookieHeader } });
    const files = unzipSync(new Uint8Array(await response.arrayBuffer()));
    const names = Object.keys(files).filter((n) => /^(instruct|context|TextGen Settings|sysprompt)\//.test(n)).sort();
    assert.deepEqual(names, ['TextGen Settings/Warm.json', 'context/My Context.json', 'instruct/My ChatML.json', 'sysprompt/Narrator.json']);
    const settingsJson = JSON.parse(new TextDecoder().decode(files['settings.json']!));
    assert.equal(settingsJson.power_user.instruct.preset, 'My ChatML');
    assert.equal(settingsJson.power_user.context.preset, 'My Context');
    assert.equal(settingsJson.power_user.sysprompt.name, 'Narrator');
    assert.equal(settingsJson.textgenerationwebui_settings.preset, 'Warm');

    const dir = tempDir('parley-formatting-export-');
    try {
      for (const [name, data] of Object.entries(files)) {
        await mkdir(dirname(join(dir, name)), { recursive: true });
        await writeFile(join(dir, name), data);
      }
      const other = await addUser(server, { handle: 'other', password: 'other-password' });
      const report = await importSillyTavernFolder(server.store, dir, { userId: other.id, now: Date.now, maxCardBytes: 1 << 20, maxChatBytes: 1 << 20 });
      assert.deepEqual(report.formatting.active, { instruct: 'My ChatML', context: 'My Context', samplerPreset: 'Warm', systemPrompt: 'Narrator' });
      const values = (await server.store.settings.get(other.id)).values as { formatting: { instruct: Record<string, unknown>; activeInstruct: string } };
      const { enabled: _e, bind_to_context: _b, ...honoured } = ST_INSTRUCT;
      assert.deepEqual(values.formatting.instruct[values.formatting.activeInstruct], { ...honoured, first_input_sequence: '', last_input_sequence: '', last_system_sequence: '' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
