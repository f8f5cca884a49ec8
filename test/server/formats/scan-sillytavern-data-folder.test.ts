import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DataFolderError, type DataFolderErrorReason } from '../../../src/server/formats/data-folder-error.js';
import { parseSillyTavernChat } from '../../../src/server/formats/parse-sillytavern-chat.js';
import { readCardFile } from '../../../src/server/formats/read-card-file.js';
import { scanSillyTavernDataFolder } from '../../../src/server/formats/scan-sillytavern-data-folder.js';

const SERAPHINA = new URL('../../../../shared/fixtures/sillytavern/default_Seraphina.png', import.meta.url);
const chat = (mes: string) =>
  `${JSON.stringify({ user_name: 'You', character_name: 'x', create_date: '2024-09-28@01h02m03s', chat_metadata: {} })}\n` +
  JSON.stringify({ name: 'x', is_user: false, is_system: false, send_date: 'June 19, 2023 2:20pm', mes, extra: {} });

const SETTINGS = {
  username: 'Traveller',
  user_avatar: 'persona1.png',
  main_api: 'textgenerationwebui',
  max_context: 8192,
  amount_gen: 350,
  textgenerationwebui_settings: { temp: 0.7, top_p: 0.9, top_k: 40, min_p: 0.05, rep_pen: 1.1, stopping_strings: ['\nYou:'] },
  oai_settings: { openai_model: 'gpt-4o', temp_openai: 1, openai_max_context: 128000, openai_max_tokens: 400, secret: 'x' },
  power_user: {
    personas: {
      'persona1.png': 'Alice',
      'missing.png': 'Bob',
      '../../../etc/passwd': 'Sneaky',
      'blank.png': '',
    },
    persona_descriptions: {
      'persona1.png': { description: 'A curious traveller.', position: 0, depth: 2, role: 0, lorebook: '', title: 'The Wanderer' },
      'missing.png': { description: 'No picture.' },
    },
    default_persona: 'persona1.png',
  },
};

async function put(path: string, content: string | Buffer) {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
}

async function putSeraphina(path: string) {
  await mkdir(join(path, '..'), { recursive: true });
  await copyFile(SERAPHINA, path);
}

async function assertRefused(reason: DataFolderErrorReason, dir: string) {
  await assert.rejects(scanSillyTavernDataFolder(dir), (error: unknown) => {
    assert.ok(error instanceof DataFolderError, String(error));
    assert.equal(error.reason, reason);
    return true;
  });
}

describe('scanning a SillyTavern data folder', () => {
  let tmp: string;
  let root: string;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'parley-st-'));
    root = join(tmp, 'default-user');
    const outside = join(tmp, 'outside.png');
    await putSeraphina(outside);
    await mkdir(join(root, 'characters', 'Seraphina'), { recursive: true }); // expression sprites live here
    await putSeraphina(join(root, 'characters', 'Seraphina.png'));
    await put(join(root, 'characters', 'Seraphina.json'), JSON.stringify({ name: 'Seraphina JSON twin' }));
    await put(join(root, 'characters', 'Old Timer.json'), JSON.stringify({ name: 'Old Timer', description: 'v1' }));
    await put(join(root, 'characters', 'readme.txt'), 'not a card');
    await symlink(outside, join(root, 'characters', 'Linked.png'));
    await put(join(root, 'chats', 'Seraphina', 'Seraphina - 2024-09-28@01h02m03s.jsonl'), chat('one'));
    await put(join(root, 'chats', 'Seraphina', 'Seraphina - 2023-06-19@14h20m00s.jsonl'), chat('two'));
    await put(join(root, 'chats', 'Seraphina', 'notes.txt'), 'ignored');
    await put(join(root, 'chats', 'Old Timer', 'Old Timer - 2023.jsonl'), chat('three'));
    await put(join(root, 'chats', 'Deleted Character', 'left behind.jsonl'), chat('four'));
    await mkdir(join(root, 'chats', 'Empty'), { recursive: true });
    await symlink(join(tmp), join(root, 'chats', 'Linked'));
    await putSeraphina(join(root, 'User Avatars', 'persona1.png'));
    await putSeraphina(join(root, 'User Avatars', 'user-default.png'));
    await put(join(root, 'settings.json'), JSON.stringify(SETTINGS));
    await put(join(root, 'groups', 'party.json'), '{}');
    await put(join(root, 'group chats', 'party chat.jsonl'), chat('g'));
    await put(join(root, 'worlds', 'Eldoria.json'), '{}');
  });
  after(async () => rm(tmp, { recursive: true, force: true }));

  it('lists characters with their chats, taking every path from a directory listing', async () => {
    const folder = await scanSillyTavernDataFolder(root);
    assert.equal(folder.root, root);
    assert.deepEqual(
      folder.characters.map((c) => [c.fileName, c.format, c.avatar, c.chats.map((f) => f.fileName)]),
      [
        ['Old Timer.json', 'json', 'Old Timer', ['Old Timer - 2023.jsonl']],
        ['Seraphina.json', 'json', 'Seraphina', []],
        [
          'Seraphina.png',
          'png',
          'Seraphina',
          ['Seraphina - 2023-06-19@14h20m00s.jsonl', 'Seraphina - 2024-09-28@01h02m03s.jsonl'],
        ],
      ],
    );
    assert.deepEqual(folder.orphanChats.map((o) => [o.folder, o.files.map((f) => f.fileName)]), [
      ['Deleted Character', ['left behind.jsonl']],
    ]);
    const png = folder.characters.find((c) => c.format === 'png')!;
    assert.equal(png.path, join(root, 'characters', 'Seraphina.png'));
    assert.equal(png.size, (await readFile(png.path)).length);

    const every = [
      ...folder.characters.flatMap((c) => [c, ...c.chats]),
      ...folder.orphanChats.flatMap((o) => o.files),
      ...folder.personas.flatMap((p) => (p.avatar ? [p.avatar] : [])),
      ...folder.unsupported,
    ];
    for (const file of every) assert.ok(file.path.startsWith(root + sep), file.path);

    // What was listed can be read by the format modules as it is.
    assert.equal(readCardFile(await readFile(png.path)).card.data.name, 'Seraphina');
    const reader = await parseSillyTavernChat(createReadStream(png.chats[0]!.path));
    const messages = [];
    for await (const batch of reader.batches) messages.push(...batch);
    assert.deepEqual(
      messages.map((m) => m.content),
      ['two'],
    );
  });

  it('reads personas from settings.json, matching avatars only against listed files', async () => {
    const { personas, unsupported } = await scanSillyTavernDataFolder(root);
    assert.deepEqual(
      personas.map((p) => [p.avatarId, p.name, p.description, p.isDefault, p.avatar?.fileName ?? null]),
      [
        ['../../../etc/passwd', 'Sneaky', '', false, null],
        ['missing.png', 'Bob', 'No picture.', false, null],
        ['persona1.png', 'Alice', 'A curious traveller.', true, 'persona1.png'],
      ],
    );
    assert.deepEqual((await scanSillyTavernDataFolder(root)).worlds.map((w) => w.fileName), ['Eldoria.json'], 'books are read, not reported');
    assert.deepEqual(personas[2]!.details, { position: 0, depth: 2, role: 0, lorebook: '', title: 'The Wanderer' });
    assert.deepEqual(
      unsupported.map((u) => [u.kind, u.fileName]),
      [['avatar-without-persona', 'user-default.png']],
    );
    const scanned = await scanSillyTavernDataFolder(root);
    assert.deepEqual([scanned.groups.map((g) => g.fileName), scanned.groupChats.map((c) => c.fileName)], [['party.json'], ['party chat.jsonl']]);
  });

  it('keeps the settings worth keeping, and nothing else', async () => {
    const { settings, warnings } = await scanSillyTavernDataFolder(root);
    assert.deepEqual(warnings, []);
    assert.deepEqual(settings, {
      userName: 'Traveller',
      activePersona: 'persona1.png',
      mainApi: 'textgenerationwebui',
      contextSize: 8192,
      maxTokens: 350,
      textCompletion: { temperature: 0.7, top_p: 0.9, top_k: 40, min_p: 0.05, repetition_penalty: 1.1, stop: ['\nYou:'] },
      chatCompletion: { model: 'gpt-4o', temperature: 1, contextSize: 128000, maxTokens: 400 },
    });
  });

  it('goes on without settings when settings.json is broken, and says so', async () => {
    const other = join(tmp, 'broken-settings');
    await put(join(other, 'settings.json'), '{"username": ');
    await putSeraphina(join(other, 'User Avatars', 'a.png'));
    const folder = await scanSillyTavernDataFolder(other);
    assert.deepEqual(folder.settings, {});
    assert.deepEqual(folder.personas, []);
    assert.equal(folder.warnings.length, 1);
    assert.match(folder.warnings[0]!, /settings\.json was not read/);
  });

  it('refuses a missing folder, a file, and a folder that is not SillyTavern', async () => {
    await assertRefused('not_found', join(tmp, 'nope'));
    await assertRefused('not_a_directory', join(root, 'settings.json'));
    const empty = join(tmp, 'empty');
    await mkdir(join(empty, 'something'), { recursive: true });
    await assertRefused('not_sillytavern', empty);
  });
});
