import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { defaultAvatarPng } from '../../src/server/formats/default-avatar.js';
import { DEFAULT_HANDLE } from '../../src/server/security/accounts.js';
import {
  importSillyTavernFolder,
  type SillyTavernImportReport,
} from '../../src/server/services/sillytavern-import.js';
import type { User } from '../../src/server/store/users-repository.js';
import { makeCard } from '../support/fixtures.js';
import { TestClient } from '../support/http-client.js';
import { startTestServer, tempDir, type TestServer } from '../support/test-server.js';
import { addUser } from '../support/users.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERAPHINA = new URL('../../../shared/fixtures/sillytavern/default_Seraphina.png', import.meta.url);
const CLI_TIMEOUT_MS = 60_000;

const jsonl = (objects: unknown[]) => objects.map((o) => JSON.stringify(o)).join('\n');
const header = (name: string) => ({ user_name: 'unused', character_name: 'unused', create_date: '2024-09-28@01h02m03s', chat_metadata: { integrity: `id-${name}` } });
const line = (name: string, mes: string, extra: Record<string, unknown> = {}) => ({
  name,
  is_user: name === 'Traveller',
  is_system: false,
  send_date: 'September 28, 2024 1:02am',
  mes,
  extra: {},
  ...extra,
});

const SETTINGS = {
  username: 'Traveller',
  user_avatar: 'user-default.png',
  main_api: 'openai',
  max_context: 8192,
  amount_gen: 350,
  textgenerationwebui_settings: { temp: 0.7, top_p: 0.9, rep_pen: 1.1, stopping_strings: ['\nYou:'] },
  oai_settings: { openai_model: 'gpt-4o', temp_openai: 1, openai_max_tokens: 400, reverse_proxy: 'http://x', proxy_password: 'secret' },
  power_user: {
    personas: { 'user-default.png': 'Traveller', 'scribe.png': 'Scribe', 'garbled.png': 'Garbled' },
    persona_descriptions: {
      'user-default.png': { description: 'A curious traveller.', position: 0, depth: 2 },
      'scribe.png': { description: 'Writes things down.', lorebook: 'Extra' },
    },
    default_persona: 'user-default.png',
  },
  extension_settings: {
    regex: [
      { id: 'r1', scriptName: 'Curly quotes', findRegex: '/"([^"]*)"/g', replaceString: '“$1”', trimStrings: [], placement: [2], disabled: false, markdownOnly: true, promptOnly: false, runOnEdit: true, substituteRegex: 0, minDepth: null, maxDepth: null },
      { id: 'r2', scriptName: 'Off', findRegex: 'x', replaceString: 'y', trimStrings: ['z'], placement: [1, 2], disabled: true, markdownOnly: false, promptOnly: true, runOnEdit: false, substituteRegex: 2, minDepth: 1, maxDepth: 4 },
      'not a script',
    ],
    character_allowed_regex: ['Aqua.json', 'Nobody.png'],
  },
  world_info_settings: {
    world_info: { globalSelect: ['Lore'], charLore: [{ name: 'Aqua', extraBooks: ['Extra'] }, { name: 'Nobody', extraBooks: ['Lore'] }] },
    world_info_depth: 3,
    world_info_budget: 30,
    world_info_recursive: false,
    world_info_character_strategy: 2,
  },
};
const LORE = JSON.stringify({ entries: { '0': { uid: 0, key: ['lake'], content: 'The lake is deep.', unknownKey: 1 } } }, null, 4);

/** What the fixture folder holds, as a data folder of SillyTavern 1.12 has it. */
async function buildSillyTavernFolder(root: string) {
  const put = async (path: string, content: string | Uint8Array) => {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
  };
  await mkdir(join(root, 'characters'), { recursive: true });
  await copyFile(SERAPHINA, join(root, 'characters', 'default_Seraphina.png'));
  const aqua = makeCard({
    name: 'Aqua',
    first_mes: 'Hi!',
    alternate_greetings: ['Hello again.'],
    character_book: { entries: [{ keys: ['lake'], content: 'A lake.', extensions: {}, enabled: true, insertion_order: 0 }] },
    extensions: { depth_prompt: { prompt: 'x', depth: 4, role: 'system' }, unknown_key: [1, 2] },
  });
  await put('characters/Aqua.json', JSON.stringify(aqua));
  await put('characters/Broken.png', 'this is not a png');
  await put('characters/No Card.png', await defaultAvatarPng());
  await put('chats/default_Seraphina/Seraphina - 2024-09-28@01h02m03s.jsonl', jsonl([
    header('s1'),
    line('Seraphina', 'Welcome.', { swipes: ['Welcome.', 'Greetings.'], swipe_id: 0, swipe_info: [{ send_date: 'x', extra: {} }, { send_date: 'y', extra: { model: 'm' } }] }),
    line('Traveller', 'Hello!', { force_avatar: 'User Avatars/user-default.png' }),
    line('Seraphina', 'How can I help?', { extra: { api: 'openai', model: 'gpt-4o', reasoning: 'thinking' } }),
  ]));
  await put(
    'chats/default_Seraphina/Seraphina - 2024-09-29@10h00m00s.jsonl',
    `${jsonl([header('s2'), line('Seraphina', 'Again.'), line('Traveller', 'Yes.')])}\n{"name":"Seraphina","mes":"cut off mid`,
  );
  await put('chats/default_Seraphina/not a chat.jsonl', 'hello world');
  await put('chats/Aqua/Aqua - 2024-01-01@00h00m00s.jsonl', jsonl([header('a1'), line('Aqua', 'Hi!')]));
  await put('chats/Broken/Broken - 2024.jsonl', jsonl([header('b1'), line('Broken', 'lost')]));
  await put('chats/Gone/Gone - 2024.jsonl', jsonl([header('g1'), line('Gone', 'orphan')]));
  await put('User Avatars/user-default.png', await defaultAvatarPng());
  await put('User Avatars/garbled.png', 'not an image');
  await put('User Avatars/unnamed.png', await defaultAvatarPng());
  await put('settings.json', JSON.stringify(SETTINGS));
  await put('groups/1700000000000.json', JSON.stringify({ id: '1700000000000', name: 'Party', members: ['default_Seraphina.png', 'Aqua.json'] }));
  await put('group chats/1700000000001.jsonl', jsonl([{ chat_metadata: {} }, line('Aqua', 'in a group')]));
  await put('worlds/Lore.json', LORE);
  await put('worlds/Extra.json', JSON.stringify({ entries: {} }));
  await put('worlds/Bad.json', '{"entries": [');
}

const LIMITS = { maxCardBytes: 32 * 1024 * 1024, maxChatBytes: 512 * 1024 * 1024 };

/** Runs the real command line from source, to its end. */
function parley(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/server/main.ts'), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('parley import-sillytavern', () => {
  let tmp: string;
  let folder: string;
  let server: TestServer;
  let client: TestClient;
  let owner: User;
  let first: SillyTavernImportReport;

  const runImport = (userId: string) => importSillyTavernFolder(server.store, folder, { userId, now: Date.now, ...LIMITS });

  before(async () => {
    tmp = tempDir('parley-st-import-');
    folder = join(tmp, 'default-user');
    await buildSillyTavernFolder(folder);
    server = await startTestServer();
    client = new TestClient(server.url);
    await client.session();
    owner = (await server.store.users.byHandle(DEFAULT_HANDLE))!;
    first = await runImport(owner.id);
  });
  after(async () => {
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  });

  test('imports cards, their chats, personas with avatars and the settings worth keeping', async () => {
    assert.deepEqual(first.imported, { characters: 2, chats: 3, groups: 1, personas: 3, worlds: 2, presets: 0, messages: 6 });
    assert.deepEqual(first.alreadyThere, { characters: 0, chats: 0, groups: 0, personas: 0, worlds: 0, presets: 0 });

    const characters = (await client.get('/api/characters')).body as Array<{ id: string; name: string; chatCount: number; avatarUrl: string | null }>;
    assert.deepEqual(characters.map((c) => [c.name, c.chatCount]), [['Aqua', 1], ['Seraphina', 2]]);
    const seraphina = characters.find((c) => c.name === 'Seraphina')!;
    const avatar = await fetch(server.url + seraphina.avatarUrl, { headers: { cookie: client.cookieHeader } });
    assert.deepEqual(new Uint8Array(await avatar.arrayBuffer()), new Uint8Array(await readFile(SERAPHINA)));

    const aqua = (await client.get(`/api/characters/${characters.find((c) => c.name === 'Aqua')!.id}`)).body;
    assert.deepEqual(aqua.card.data.character_book.entries[0].keys, ['lake']);
    assert.deepEqual(aqua.card.data.extensions.unknown_key, [1, 2]);

    const chats = (await client.get(`/api/chats?characterId=${seraphina.id}`)).body as Array<{ id: string; title: string; messageCount: number }>;
    const byTitle = new Map(chats.map((c) => [c.title, c]));
    assert.equal(byTitle.get('Seraphina - 2024-09-28@01h02m03s')?.messageCount, 3);
    assert.equal(byTitle.get('Seraphina - 2024-09-29@10h00m00s')?.messageCount, 2);
    const messages = (await client.get(`/api/chats/${byTitle.get('Seraphina - 2024-09-28@01h02m03s')!.id}/messages`)).body.messages;
    assert.deepEqual(messages[0].swipes, ['Welcome.', 'Greetings.']);
    assert.deepEqual(messages.map((m: { role: string }) => m.role), ['assistant', 'user', 'assistant']);
    assert.deepEqual(messages[2].extra, { api: 'openai', model: 'gpt-4o', reasoning: 'thinking' });

    const personas = (await client.get('/api/personas')).body as Array<{ name: string; description: string; isDefault: boolean; avatarUrl: string | null }>;
    assert.deepEqual(
      personas.map((p) => [p.name, p.description, p.isDefault, p.avatarUrl !== null]),
      [
        ['Garbled', '', false, false],
        ['Scribe', 'Writes things down.', false, false],
        ['Traveller', 'A curious traveller.', true, true],
      ],
    );
    const personaAvatar = await fetch(server.url + personas[2]!.avatarUrl, { headers: { cookie: client.cookieHeader } });
    assert.equal(personaAvatar.headers.get('content-type'), 'image/png');
    assert.deepEqual(new Uint8Array(await personaAvatar.arrayBuffer()), await defaultAvatarPng());

    const settings = (await client.get('/api/settings')).body;
    assert.deepEqual(settings.values.sillytavern, {
      userName: 'Traveller',
      activePersona: 'user-default.png',
      mainApi: 'openai',
      contextSize: 8192,
      maxTokens: 350,
      textCompletion: { temperature: 0.7, top_p: 0.9, repetition_penalty: 1.1, stop: ['\nYou:'] },
      chatCompletion: { model: 'gpt-4o', temperature: 1, maxTokens: 400 },
    });
    assert.ok(!JSON.stringify(settings.values).includes('secret'), 'proxy passwords are not settings worth keeping');
    assert.deepEqual(first.settingsImported.sort(), Object.keys(settings.values.sillytavern).sort());

    // World info: the books, byte for byte, and the choices that make them fire.
    const books = (await client.get('/api/worlds')).body as Array<{ id: string; name: string }>;
    assert.deepEqual(books.map((b) => b.name), ['Extra', 'Lore']);
    const lore = await fetch(`${server.url}/api/worlds/${books[1]!.id}/export`, { headers: { cookie: client.cookieHeader } });
    assert.equal(await lore.text(), LORE);
    const scribe = (await client.get('/api/personas')).body.find((p: { name: string }) => p.name === 'Scribe');
    assert.deepEqual(settings.values.worldInfo, {
      scanDepth: 3,
      budgetPercent: 30,
      recursive: false,
      characterStrategy: 'global_first',
      globalBooks: ['Lore'],
      characterBooks: { [aqua.id]: ['Extra'] },
      personaBooks: { [scribe.id]: 'Extra' },
    });
    assert.equal(first.imported.worlds, 2);

    // Global regex scripts in SillyTavern's order with their state; the card scripts SillyTavern ran, allowed here.
    assert.deepEqual(first.regexScripts, { imported: 2, alreadyThere: 0, allowedCharacters: 1 });
    const regex = settings.values.regex as { scripts: Array<Record<string, unknown>>; allowedCharacters: string[] };
    assert.deepEqual(regex.scripts.map((s) => [s.id, s.scriptName, s.disabled, s.markdownOnly, s.promptOnly, s.substituteRegex, s.minDepth]), [
      ['r1', 'Curly quotes', false, true, false, 0, null],
      ['r2', 'Off', true, false, true, 2, 1],
    ]);
    assert.deepEqual(regex.allowedCharacters, [aqua.id]);
    assert.ok(first.warnings.some((w) => /"Nobody" were not linked/.test(w)));
  });

  test('reports what it skipped and why, and what it does not import', () => {
    const skipped = new Map(first.skipped.map((s) => [s.path, s.reason]));
    assert.match(skipped.get('characters/Broken.png') ?? '', /not_png/);
    assert.match(skipped.get('characters/No Card.png') ?? '', /no_card_chunk/);
    assert.match(skipped.get('chats/Broken/Broken - 2024.jsonl') ?? '', /Broken\.png was not imported/);
    assert.match(skipped.get('chats/default_Seraphina/not a chat.jsonl') ?? '', /invalid_header|not_a_chat/);
    assert.match(skipped.get('chats/Gone') ?? '', /no character card named "Gone"/);
    assert.match(skipped.get('User Avatars/garbled.png') ?? '', /not a PNG, JPEG, WebP or GIF/);
    assert.match(skipped.get('worlds/Bad.json') ?? '', /not valid JSON/);
    // The group file lists no chats, so its chat file is no group's.
    assert.match(skipped.get('group chats/1700000000001.jsonl') ?? '', /no group lists this chat/);
    assert.equal(first.skipped.length, 8, JSON.stringify(first.skipped));
    assert.deepEqual(first.partialChats.map((c) => [c.path, c.skippedLines.map((s) => s.line)]), [
      ['chats/default_Seraphina/Seraphina - 2024-09-29@10h00m00s.jsonl', [4]],
    ]);
    assert.deepEqual(first.unsupported.map((u) => [u.path, u.kind]).sort(), [
      ['User Avatars/unnamed.png', 'avatar-without-persona'],
    ]);
  });

  test('running it again duplicates nothing; a chat deleted since waits in the trash, and comes back alone once purged', async () => {
    const before = await server.store.settings.get(owner.id);
    const again = await runImport(owner.id);
    assert.deepEqual(again.imported, { characters: 0, chats: 0, groups: 0, personas: 0, worlds: 0, presets: 0, messages: 0 });
    assert.deepEqual(again.alreadyThere, { characters: 2, chats: 3, groups: 1, personas: 3, worlds: 2, presets: 0 });
    assert.equal(again.worldInfoSettingsImported, false);
    assert.deepEqual(again.settingsImported, []);
    assert.deepEqual(again.regexScripts, { imported: 0, alreadyThere: 2, allowedCharacters: 1 });
    assert.equal((await server.store.settings.get(owner.id)).revision, before.revision, 'the same settings are not a new revision');
    assert.equal((await server.store.characters.list(owner.id)).length, 2);
    assert.equal((await server.store.chats.list(owner.id)).length, 3);
    assert.equal((await server.store.personas.list(owner.id)).length, 3);

    const aquaChat = (await server.store.chats.list(owner.id)).find((c) => c.title.startsWith('Aqua'))!;
    assert.equal((await client.delete(`/api/chats/${aquaChat.id}`)).status, 204);
    // In the trash it can be restored exactly, so the import does not make a second copy beside it.
    const inTrash = await runImport(owner.id);
    assert.deepEqual(inTrash.imported, { characters: 0, chats: 0, groups: 0, personas: 0, worlds: 0, presets: 0, messages: 0 });
    assert.equal((await client.delete('/api/trash')).status, 200);
    const third = await runImport(owner.id);
    assert.deepEqual(third.imported, { characters: 0, chats: 1, groups: 0, personas: 0, worlds: 0, presets: 0, messages: 1 });
    assert.equal((await server.store.chats.list(owner.id)).length, 3);

    // A character in the trash is neither doubled nor given chats behind the user's back.
    const aqua = (await server.store.characters.list(owner.id)).find((c) => c.name === 'Aqua')!;
    assert.equal((await client.delete(`/api/characters/${aqua.id}`)).status, 204);
    const fourth = await runImport(owner.id);
    assert.equal(fourth.imported.characters, 0);
    assert.match(new Map(fourth.skipped.map((s) => [s.path, s.reason])).get('characters/Aqua.json') ?? '', /in the trash/);
    assert.equal((await client.delete('/api/trash')).status, 200);
    assert.equal((await runImport(owner.id)).imported.characters, 1, 'purged, it imports afresh');
  });

  test('the CLI imports beside a running server into --user, and refuses an unknown user or folder', async () => {
    const alice = await addUser(server, { handle: 'alice', password: 'correct horse battery' });
    const run = await parley(['import-sillytavern', folder, '--user', 'alice', '--data', server.dataDir]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /characters: 2 imported, 0 already there/);
    assert.match(run.stdout, /chats: +3 imported \(6 messages\), 0 already there/);
    assert.match(run.stdout, /books: +2 imported, 0 already there; world info settings and book choices kept/);
    assert.match(run.stdout, /Skipped \(8\):/);
    assert.match(run.stdout, /Not imported \(not supported yet\) \(1\):[\s\S]*avatar-without-persona/);
    assert.match(run.stdout, /groups: +1 imported, 0 already there/);
    // stderr is a pipe here, not a terminal: one plain progress line per item, no bar.
    assert.match(run.stderr, /^\[1\/\d+\] characters\/Aqua\.json$/m);
    assert.equal((await server.store.characters.list(alice.id)).length, 2);
    assert.equal((await server.store.chats.list(alice.id)).length, 3);
    assert.equal((await server.store.characters.list(owner.id)).length, 2, "the default user's library is untouched");
    // The running server sees the CLI's writes at once.
    assert.equal(((await client.get('/api/characters')).body as unknown[]).length, 2);

    const again = await parley(['import-sillytavern', folder, '--user', 'alice', '--data', server.dataDir]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /characters: 0 imported, 2 already there/);
    assert.equal((await server.store.chats.list(alice.id)).length, 3);

    const unknown = await parley(['import-sillytavern', folder, '--user', 'nobody', '--data', server.dataDir]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no user "nobody"/);

    const notSillyTavern = await parley(['import-sillytavern', tmp + '/nowhere', '--data', server.dataDir]);
    assert.equal(notSillyTavern.code, 1);
    assert.match(notSillyTavern.stderr, /does not exist/);
    assert.equal((await server.store.users.list()).length, 2, 'no account was made for a refused run');
  });

  test('with no --user and no accounts yet, it makes the single-user account and imports there', async () => {
    const data = tempDir('parley-st-fresh-');
    try {
      const run = await parley(['import-sillytavern', folder, '--data', data]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`into ${DEFAULT_HANDLE}:`));
      const fresh = await startTestServer({ dataDir: data });
      try {
        const user = (await fresh.store.users.byHandle(DEFAULT_HANDLE))!;
        assert.equal((await fresh.store.characters.list(user.id)).length, 2);
        assert.equal((await fresh.store.personas.list(user.id)).length, 3);
      } finally {
        await fresh.stop();
      }
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });
});
