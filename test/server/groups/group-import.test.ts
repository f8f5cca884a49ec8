import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_HANDLE } from '../../../src/server/security/accounts.js';
import { importSillyTavernFolder, type SillyTavernImportReport } from '../../../src/server/services/sillytavern-import.js';
import { makeCard } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { startTestServer, tempDir, type TestServer } from '../../support/test-server.js';
import { addUser } from '../../support/users.js';
import { unzipSync } from 'fflate';

const jsonl = (objects: unknown[]) => objects.map((o) => JSON.stringify(o)).join('\n');
const said = (name: string, mes: string, avatar?: string) => ({
  name,
  is_user: false,
  is_system: false,
  send_date: '2024-09-28T01:02:03.000Z',
  mes,
  extra: { gen_id: 1 },
  ...(avatar && { original_avatar: avatar, force_avatar: `/thumbnail?type=avatar&file=${avatar}` }),
});
const userSaid = (mes: string) => ({ name: 'You', is_user: true, is_system: false, send_date: '2024-09-28T01:02:04.000Z', mes, extra: {} });

/** A SillyTavern folder with a group of three (one of them not in the folder), a new-style chat and an old one. */
async function buildFolder(root: string) {
  const put = async (path: string, content: string) => {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
  };
  await put('characters/Alice.json', JSON.stringify(makeCard({ name: 'Alice', first_mes: 'Hi, I am Alice.' })));
  await put('characters/Bob.json', JSON.stringify(makeCard({ name: 'Bob', first_mes: 'Bob here.' })));
  await put(
    'groups/1700000000000.json',
    JSON.stringify({
      id: '1700000000000',
      name: 'Party',
      members: ['Alice.png', 'Bob.png', 'Zed.png'],
      disabled_members: ['Bob.png'],
      activation_strategy: 3,
      generation_mode: 1,
      allow_self_responses: true,
      auto_mode_delay: 7,
      chat_metadata: { scenario: 'A tavern at night.' },
      fav: true,
      chat_id: 'Party - new',
      chats: ['Party - old', 'Party - new'],
      avatar_url: '',
      hideMutedSprites: false,
    }),
  );
  await put(
    'group chats/Party - new.jsonl',
    jsonl([
      { chat_metadata: { integrity: 'abc' }, user_name: 'unused', character_name: 'unused' },
      said('Alice', 'Welcome!', 'Alice.png'),
      userSaid('Hello, Zed.'),
      said('Zed', 'I am not here.', 'Zed.png'),
      said('Bob', 'Quietly.', 'Bob.png'),
    ]),
  );
  // Before 2025 SillyTavern wrote group chats without a header line.
  await put('group chats/Party - old.jsonl', jsonl([said('Bob', 'An old line.'), userSaid('Old times.')]));
}

describe('SillyTavern groups and group chats', () => {
  let tmp: string;
  let folder: string;
  let server: TestServer;
  let client: TestClient;
  let userId: string;
  let first: SillyTavernImportReport;
  const run = () => importSillyTavernFolder(server.store, folder, { userId, now: Date.now, maxCardBytes: 1 << 20, maxChatBytes: 1 << 24 });

  before(async () => {
    tmp = tempDir('parley-st-groups-');
    folder = join(tmp, 'default-user');
    await buildFolder(folder);
    server = await startTestServer();
    client = new TestClient(server.url);
    await client.session();
    userId = (await server.store.users.byHandle(DEFAULT_HANDLE))!.id;
    first = await run();
  });
  after(async () => {
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  });

  const exportOf = async (chatId: string) => (await fetch(`${server.url}/api/chats/${chatId}/export`, { headers: { cookie: client.cookieHeader } })).text();
  const theGroup = async () => (await client.get('/api/groups')).body[0];
  const characterId = async (name: string) => ((await client.get('/api/characters')).body as any[]).find((c) => c.name === name).id as string;

  test('the group keeps its members (matched by card file), muted ones, strategy and settings; unknown members are reported', async () => {
    assert.equal(first.imported.groups, 1);
    assert.equal(first.imported.chats, 2);
    assert.deepEqual(first.unknownGroupMembers, [{ group: 'Party', members: ['Zed.png'] }]);
    const group = await theGroup();
    assert.deepEqual(
      group.members.map((m: any) => [m.name, m.muted, m.missing, m.avatarKey]),
      [['Alice', false, false, 'Alice.png'], ['Bob', true, false, 'Bob.png'], ['Zed', false, true, 'Zed.png']],
    );
    assert.deepEqual(
      [group.settings.strategy, group.settings.promptMode, group.settings.allowSelfResponses, group.settings.autoModeDelay, group.settings.scenario, group.favourite],
      ['pooled', 'join', true, 7, 'A tavern at night.', true],
    );
  });

  test('its chats are the group\'s; each reply names its member, one from the missing member names none', async () => {
    const group = await theGroup();
    const chats = (await client.get(`/api/chats?groupId=${group.id}`)).body as any[];
    assert.deepEqual(chats.map((c) => c.title).sort(), ['Party - new', 'Party - old']);
    const [alice, bob] = [await characterId('Alice'), await characterId('Bob')];
    const messagesOf = async (title: string) =>
      (await client.get(`/api/chats/${chats.find((c) => c.title === title).id}/messages`)).body.messages.map((m: any) => [m.name, m.role, m.speakerId]);
    assert.deepEqual(await messagesOf('Party - new'), [['Alice', 'assistant', alice], ['You', 'user', null], ['Zed', 'assistant', null], ['Bob', 'assistant', bob]]);
    assert.deepEqual(await messagesOf('Party - old'), [['Bob', 'assistant', bob], ['You', 'user', null]], 'a chat without a header: its first line is a message, its speaker found by name');
  });

  test('an imported group chat exports as it came; an old one gets the header SillyTavern now writes', async () => {
    const group = await theGroup();
    const chats = (await client.get(`/api/chats?groupId=${group.id}`)).body as any[];
    const exported = async (title: string) => exportOf(chats.find((c) => c.title === title).id);
    assert.equal(await exported('Party - new'), await readFile(join(folder, 'group chats', 'Party - new.jsonl'), 'utf8'));
    const old = (await exported('Party - old')).split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(old[0], { chat_metadata: {}, user_name: 'unused', character_name: 'unused' });
    assert.deepEqual(old.slice(1), [said('Bob', 'An old line.'), userSaid('Old times.')]);
  });

  test('a group chat made in Parley exports with SillyTavern\'s member keys and imports back losslessly', async () => {
    const group = await theGroup();
    await client.patch(`/api/groups/${group.id}`, { mutedIds: [] });
    const chat = (await client.post('/api/chats', { groupId: group.id })).body;
    const first = await exportOf(chat.id);
    const lines = first.split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.slice(1).map((l) => [l.name, l.mes, l.original_avatar, l.force_avatar]),
      [['Alice', 'Hi, I am Alice.', 'Alice.png', '/thumbnail?type=avatar&file=Alice.png'], ['Bob', 'Bob here.', 'Bob.png', '/thumbnail?type=avatar&file=Bob.png']],
    );
    const form = new FormData();
    form.append('groupId', group.id);
    form.append('file', new Blob([first]), 'again.jsonl');
    const imported = await client.post('/api/chats/import', form);
    assert.equal(imported.status, 201, JSON.stringify(imported.body));
    const back = (await client.get(`/api/chats/${imported.body.id}/messages`)).body.messages.map((m: any) => [m.name, m.content, m.speakerId]);
    const original = (await client.get(`/api/chats/${chat.id}/messages`)).body.messages.map((m: any) => [m.name, m.content, m.speakerId]);
    assert.deepEqual(back, original);
    assert.equal(await exportOf(imported.body.id), first);
  });

  test('"export everything" writes the groups and their chats; the folder imports back with members and speakers', async () => {
    const response = await fetch(`${server.url}/api/export`, { headers: { cookie: client.cookieHeader } });
    assert.equal(response.status, 200);
    const files = unzipSync(new Uint8Array(await response.arrayBuffer()));
    const names = Object.keys(files);
    assert.ok(names.some((n) => n.startsWith('groups/')) && names.filter((n) => n.startsWith('group chats/')).length === 4, names.join(', '));
    const dir = join(tmp, 'exported');
    for (const [name, data] of Object.entries(files)) {
      await mkdir(join(dir, name, '..'), { recursive: true });
      await writeFile(join(dir, name), data);
    }
    const other = await addUser(server, { handle: 'other', password: 'other-password-1' });
    const report = await importSillyTavernFolder(server.store, dir, { userId: other.id, now: Date.now, maxCardBytes: 1 << 24, maxChatBytes: 1 << 24 });
    assert.equal(report.imported.groups, 1);
    assert.deepEqual(report.unknownGroupMembers, [{ group: 'Party', members: ['Zed.png'] }]);
    const [group] = await server.store.groups.list(other.id);
    assert.deepEqual(group!.members.map((m) => [m.name, m.muted, m.characterId !== null]), [['Alice', false, true], ['Bob', false, true], ['Zed', false, false]]);
    assert.equal(group!.settings.strategy, 'pooled');
    const speakersOf = async (userId: string, groupId: string) => {
      const out: string[] = [];
      for (const chat of (await server.store.chats.list(userId, { groupId })).sort((x, y) => x.title.localeCompare(y.title))) {
        for await (const m of server.store.chats.all(chat.id)) {
          const speaker = m.speakerId ? (await server.store.characters.get(userId, m.speakerId))?.name : null;
          out.push(`${chat.title}|${m.name}|${m.content}|${speaker ?? '-'}`);
        }
      }
      return out.sort();
    };
    const mine = (await client.get('/api/groups')).body[0].id as string;
    assert.deepEqual(await speakersOf(other.id, group!.id), await speakersOf(userId, mine));
  });

  test('running it again doubles nothing; a chat import naming no owner or both is refused', async () => {
    const again = await run();
    assert.deepEqual([again.imported.groups, again.imported.chats, again.alreadyThere.groups, again.alreadyThere.chats], [0, 0, 1, 2]);
    assert.equal((await client.get('/api/groups')).body.length, 1);
    for (const fields of [{}, { groupId: 'x1234567', characterId: 'y1234567' }]) {
      const form = new FormData();
      for (const [key, value] of Object.entries(fields)) form.append(key, value);
      form.append('file', new Blob(['{"chat_metadata":{}}']), 'x.jsonl');
      assert.equal((await client.post('/api/chats/import', form)).status, 400);
    }
  });
});

describe('SillyTavern group chat branches', () => {
  let tmp: string;
  let server: TestServer;
  let client: TestClient;

  before(async () => {
    tmp = tempDir('parley-st-group-branches-');
    server = await startTestServer();
    client = new TestClient(server.url);
    await client.session();
  });
  after(async () => {
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  });

  test('a branch names its parent by main_chat (in its header, or in an older group file\'s past_metadata): linked in any order', async () => {
    const folder = join(tmp, 'default-user');
    const put = async (path: string, content: string) => {
      await mkdir(join(folder, path, '..'), { recursive: true });
      await writeFile(join(folder, path), content);
    };
    await put('characters/Alice.json', JSON.stringify(makeCard({ name: 'Alice' })));
    const trunk = [said('Alice', 'One.', 'Alice.png'), userSaid('Two.'), { ...said('Alice', 'Three.', 'Alice.png'), extra: { gen_id: 1, bookmark_link: 'Leaf' } }];
    await put(
      'groups/1700000000001.json',
      JSON.stringify({
        id: '1700000000001',
        name: 'Tree',
        members: ['Alice.png'],
        chat_id: 'Trunk',
        // The branch is listed before its parent; the checkpoint's main_chat is only in past_metadata.
        chats: ['Twig', 'Trunk', 'Leaf', 'Orphan'],
        past_metadata: { Leaf: { main_chat: 'Trunk' } },
      }),
    );
    await put('group chats/Trunk.jsonl', jsonl([{ chat_metadata: {}, user_name: 'unused', character_name: 'unused' }, ...trunk]));
    await put('group chats/Twig.jsonl', jsonl([{ chat_metadata: { main_chat: 'Trunk' }, user_name: 'unused', character_name: 'unused' }, trunk[0], trunk[1], { ...said('Alice', 'Another way.', 'Alice.png'), send_date: '2024-09-28T02:00:00.000Z' }]));
    await put('group chats/Leaf.jsonl', jsonl([trunk[0], trunk[1], trunk[2], userSaid('After the checkpoint.')]));
    await put('group chats/Orphan.jsonl', jsonl([{ chat_metadata: { main_chat: 'Not here' }, user_name: 'unused', character_name: 'unused' }, trunk[0]]));
    const userId = (await server.store.users.byHandle(DEFAULT_HANDLE))!.id;
    const report = await importSillyTavernFolder(server.store, folder, { userId, now: Date.now, maxCardBytes: 1 << 20, maxChatBytes: 1 << 24 });
    assert.equal(report.imported.chats, 4);

    const group = (await client.get('/api/groups')).body[0];
    const chats = (await client.get(`/api/chats?groupId=${group.id}`)).body as any[];
    const idOf = (title: string) => chats.find((c) => c.title === title).id as string;
    const tree = (await client.get(`/api/chats/${idOf('Twig')}/tree`)).body;
    assert.equal(tree.rootChatId, idOf('Trunk'));
    const byTitle = Object.fromEntries(tree.chats.map((c: any) => [c.title, [c.parentChatId, c.forkSeq]]));
    assert.deepEqual(byTitle, {
      Trunk: [null, null],
      Twig: [idOf('Trunk'), 1], // the last message both share
      Leaf: [idOf('Trunk'), 2], // the message whose bookmark_link names it
    });
    const orphan = (await client.get(`/api/chats/${idOf('Orphan')}/tree`)).body;
    assert.deepEqual(orphan.chats.map((c: any) => c.title), ['Orphan'], 'a main_chat naming no chat of the group: a chat of its own');
    // The old-style file's parent is written back in its header on export.
    const exported = await (await fetch(`${server.url}/api/chats/${idOf('Leaf')}/export`, { headers: { cookie: client.cookieHeader } })).text();
    assert.equal(JSON.parse(exported.split('\n')[0]!).chat_metadata.main_chat, 'Trunk');
  });
});
