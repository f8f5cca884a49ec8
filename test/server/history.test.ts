import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { appendOp, createCharacterAndChat, makeCard, newId } from '../support/fixtures.js';
import { TestClient } from '../support/http-client.js';
import { SseReader } from '../support/sse-reader.js';
import { DIALECTS, freshDatabase, unavailable, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { userIdOf } from '../support/users.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { emptyTrash, restoreFromTrash, sweepTrash, trashCharacter, trashGroup } from '../../src/server/services/trash.js';
import { importChatFile } from '../../src/server/services/chat-files.js';
import { createChat } from '../../src/server/services/chats.js';
import { createBranch, linkImportedChat } from '../../src/server/services/branches.js';
import { createGroupChat } from '../../src/server/services/groups.js';
import { systemClock } from '../../src/server/clock.js';
import type { Store } from '../../src/server/store/store.js';

type Msg = { id: string; seq: number; content: string; swipes: string[]; swipeIndex: number; revision: number; hidden: boolean; bookmarked: boolean; extra: Record<string, unknown> };

const DAY = 86_400_000;

for (const dialect of DIALECTS) {
  describe(`history: branches, trash, undo, bookmarks (${dialect})`, async () => {
    const skip = await unavailable(dialect);
    let db: TestDatabase;
    let server: TestServer;
    let client: TestClient;
    const start = async () => {
      server = await startTestServer({ config: { ...db.configKeys, logLevel: 'warn', trashDays: 7 } });
      client = new TestClient(server.url);
      await client.session();
    };

    before(async () => {
      if (skip) return;
      db = await freshDatabase(dialect);
      await start();
    });
    after(async () => {
      if (skip) return;
      await server.close();
      await db.dispose();
    });
    const opts = { skip: skip ?? false };

    const ops = async (chatId: string, list: unknown[], as = client) => {
      const reply = await as.post(`/api/chats/${chatId}/ops`, { ops: list });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      return reply.body as { revision: number; results: { opId: string; status: string }[] };
    };
    const messages = async (chatId: string, as = client): Promise<Msg[]> => {
      const reply = await as.get(`/api/chats/${chatId}/messages?limit=1000`);
      assert.equal(reply.status, 200);
      return reply.body.messages as Msg[];
    };
    /** A chat of the greeting plus `n` appended messages, the last one with swipes. */
    const chatWith = async (n: number) => {
      const made = await createCharacterAndChat(client, { name: `Char ${newId().slice(0, 6)}`, first_mes: 'Hello there.', alternate_greetings: ['Hi!'] });
      const list = Array.from({ length: n }, (_, i) => appendOp(`message ${i + 1}`, i % 2 === 0 ? 'user' : 'assistant'));
      await ops(made.chatId, list);
      return { ...made, all: await messages(made.chatId) };
    };

    test("a branch is named by the message's index among the messages left, after a delete too", opts, async () => {
      const { chatId, all } = await chatWith(6);
      await ops(chatId, [{ opId: newId(), type: 'delete', messageId: all[1]!.id }]);
      const reply = await client.post(`/api/chats/${chatId}/branches`, { messageId: all[5]!.id });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      assert.match(reply.body.title, /^Branch #4 - /, 'seqs 0, 2, 3, 4 come before it');
      assert.equal(reply.body.messageCount, 5);
    });

    test('branch from here: the history up to the message, SillyTavern semantics; both sides then edit independently', opts, async () => {
      const { chatId, all } = await chatWith(6);
      const fork = all[3]!;
      const id = newId();
      const reply = await client.post(`/api/chats/${chatId}/branches`, { messageId: fork.id, id });
      assert.equal(reply.status, 201, JSON.stringify(reply.body));
      const branch = reply.body;
      assert.equal(branch.id, id);
      assert.match(branch.title, /^Branch #3 - \d{4}-\d\d-\d\d@\d\dh\d\dm\d\ds$/, 'SillyTavern names a branch by the message index');
      const parent = (await client.get(`/api/chats/${chatId}`)).body;
      assert.equal(branch.metadata.main_chat, parent.title, 'main_chat names the parent');
      assert.deepEqual(branch.branch, { parentChatId: chatId, forkSeq: fork.seq });
      // A retried request returns the first branch, not a second.
      const again = await client.post(`/api/chats/${chatId}/branches`, { messageId: fork.id, id });
      assert.equal(again.status, 200);
      assert.equal(again.body.id, id);

      const copied = await messages(id);
      const before = all.slice(0, 4);
      assert.deepEqual(copied.map((m) => [m.id, m.seq, m.content, m.swipes, m.revision]), before.map((m) => [m.id, m.seq, m.content, m.swipes, m.revision]));
      const parentNow = await messages(chatId);
      assert.deepEqual(parentNow[3]!.extra.branches, [branch.title], 'the parent message lists the branch (extra.branches)');

      // Edit the shared message on both sides, and append on both: neither sees the other's.
      await ops(chatId, [{ opId: newId(), type: 'edit', messageId: all[1]!.id, content: 'parent edit' }, appendOp('parent goes on')]);
      await ops(id, [{ opId: newId(), type: 'edit', messageId: all[1]!.id, content: 'branch edit' }, appendOp('branch goes on')]);
      const p = await messages(chatId);
      const b = await messages(id);
      assert.equal(p[1]!.content, 'parent edit');
      assert.equal(b[1]!.content, 'branch edit');
      assert.deepEqual(p.slice(-1).map((m) => m.content), ['parent goes on']);
      assert.deepEqual(b.map((m) => m.content), ['Hello there.', 'branch edit', 'message 2', 'message 3', 'branch goes on']);
      assert.equal(p.length, 8);
      assert.ok(b.at(-1)!.seq > fork.seq, 'the branch appends after its fork');

      const tree = (await client.get(`/api/chats/${id}/tree`)).body;
      assert.equal(tree.rootChatId, chatId);
      assert.deepEqual(tree.chats.map((c: { id: string; parentChatId: string | null; forkSeq: number | null; messageCount: number }) => [c.id, c.parentChatId, c.forkSeq, c.messageCount]), [
        [chatId, null, null, 8],
        [id, chatId, fork.seq, 5],
      ]);
    });

    test('a checkpoint is a named branch the message links to; branching a branch stays in one tree', opts, async () => {
      const { chatId, all } = await chatWith(3);
      const checkpoint = await client.post(`/api/chats/${chatId}/branches`, { messageId: all[2]!.id, checkpoint: 'Before the storm' });
      assert.equal(checkpoint.status, 201);
      assert.match(checkpoint.body.title, /^Before the storm - /);
      assert.equal((await messages(chatId))[2]!.extra.bookmark_link, checkpoint.body.title);
      const second = await client.post(`/api/chats/${checkpoint.body.id}/branches`, { messageId: all[1]!.id });
      const tree = (await client.get(`/api/chats/${chatId}/tree`)).body;
      assert.deepEqual(
        tree.chats.map((c: { id: string; parentChatId: string | null }) => [c.id, c.parentChatId]),
        [[chatId, null], [checkpoint.body.id, chatId], [second.body.id, checkpoint.body.id]],
      );
      // The export names the parent as it is called now.
      await ops(chatId, [{ opId: newId(), type: 'setTitle', title: 'Renamed parent' }]);
      const exported = await fetch(`${server.url}/api/chats/${checkpoint.body.id}/export`, { headers: { cookie: client.cookieHeader } });
      const header = JSON.parse((await exported.text()).split('\n')[0]!);
      assert.equal(header.chat_metadata.main_chat, 'Renamed parent');
      // Bad input: a message of another chat, an unknown chat.
      assert.equal((await client.post(`/api/chats/${chatId}/branches`, { messageId: 'nope' })).status, 404);
      assert.equal((await client.post(`/api/chats/${newId()}/branches`, { messageId: all[0]!.id })).status, 404);
      assert.equal((await client.post(`/api/chats/${chatId}/branches`, { messageId: all[0]!.id, checkpoint: '' })).status, 400);
      // An id proposed for the branch that names another chat of the user's: taken, not that chat returned as the branch.
      assert.equal((await client.post(`/api/chats/${chatId}/branches`, { messageId: all[0]!.id, id: chatId })).status, 409);
      assert.equal((await client.post(`/api/chats/${checkpoint.body.id}/branches`, { messageId: all[0]!.id, id: second.body.id })).status, 200, 'a retry');
      assert.equal((await client.post(`/api/chats/${chatId}/branches`, { messageId: all[0]!.id, id: second.body.id })).status, 409, "another chat's branch");
    });

    test('SillyTavern branch files import as a tree, in either order', opts, async () => {
      const character = (await client.post('/api/characters', { card: makeCard({ name: 'Importer' }) })).body;
      const line = (mes: string, user: boolean, minute: number, extra: Record<string, unknown> = {}) =>
        JSON.stringify({ name: user ? 'You' : 'Importer', is_user: user, is_system: false, send_date: `2024-05-01T10:${String(minute).padStart(2, '0')}:00.000Z`, mes, extra });
      const header = (metadata: Record<string, unknown>) => JSON.stringify({ user_name: 'You', character_name: 'Importer', create_date: '2024-05-01@10h00m00s', chat_metadata: metadata });
      const main = [header({}), line('a', false, 0), line('b', true, 1, {}), line('c', false, 2, { bookmark_link: 'Checkpoint #1 - 2024-05-01@10h05m00s' }), line('d', true, 3)].join('\n');
      const checkpointFile = [header({ main_chat: 'Main' }), line('a', false, 0), line('b', true, 1), line('c', false, 2), line('e', true, 4)].join('\n');
      const branchFile = [header({ main_chat: 'Main' }), line('a', false, 0), line('b', true, 1), line('x', false, 5)].join('\n');
      const upload = async (text: string, name: string) => {
        const form = new FormData();
        form.append('characterId', character.id);
        form.append('file', new Blob([text]), name);
        const reply = await client.post('/api/chats/import', form);
        assert.equal(reply.status, 201, JSON.stringify(reply.body));
        return reply.body.id as string;
      };
      // Children first: they are linked when their parent arrives.
      const checkpointId = await upload(checkpointFile, 'Checkpoint #1 - 2024-05-01@10h05m00s.jsonl');
      const mainId = await upload(main, 'Main.jsonl');
      const branchId = await upload(branchFile, 'Branch #1 - 2024-05-01@10h06m00s.jsonl');
      const tree = (await client.get(`/api/chats/${branchId}/tree`)).body;
      assert.equal(tree.rootChatId, mainId);
      const rows = Object.fromEntries(tree.chats.map((c: { id: string; parentChatId: string | null; forkSeq: number | null }) => [c.id, [c.parentChatId, c.forkSeq]]));
      // | file        | linked by                        | fork (seq in Main)       |
      // | checkpoint  | message c's bookmark_link        | 2 (c)                    |
      // | plain branch| common history a, b              | 1 (b)                    |
      assert.deepEqual(rows, { [mainId]: [null, null], [checkpointId]: [mainId, 2], [branchId]: [mainId, 1] });
      // A fork point not found before the import's last transaction (a chat of the tree imported meanwhile) is
      // scanned inside it: the branch, unlinked as if just imported, links the same way with none known.
      await server.store.db.updateTable('chats').set({ parent_chat_id: null, fork_seq: null, root_chat_id: branchId }).where('id', '=', branchId).execute();
      const userId = (await server.store.db.selectFrom('chats').select('user_id').where('id', '=', branchId).executeTakeFirstOrThrow()).user_id;
      const unlinked = (await server.store.chats.get(userId, branchId))!;
      assert.equal(unlinked.branch, null);
      await server.store.transaction((repos) => linkImportedChat(repos, unlinked, new Map()));
      assert.deepEqual((await server.store.chats.get(userId, branchId))!.branch, { parentChatId: mainId, forkSeq: 1, rootChatId: mainId });
    });

    test('delete -> trash -> restore: a message, a chat, a character with its chats, a book, field by field (from a second device)', opts, async () => {
      const { chatId, characterId, all } = await chatWith(4);
      // Give a message swipes, a hidden flag, reasoning and a bookmark before deleting it.
      const target = all[2]!;
      await ops(chatId, [
        { opId: newId(), type: 'addSwipe', messageId: target.id, content: 'alt' },
        { opId: newId(), type: 'setHidden', messageId: target.id, hidden: true },
        { opId: newId(), type: 'setReasoning', messageId: target.id, reasoning: 'thought' },
        { opId: newId(), type: 'setBookmark', messageId: target.id, bookmarked: true },
      ]);
      const beforeDelete = await messages(chatId);
      const chatBefore = (await client.get(`/api/chats/${chatId}`)).body;
      await ops(chatId, [{ opId: newId(), type: 'delete', messageId: target.id }]);
      assert.equal((await messages(chatId)).length, beforeDelete.length - 1);
      const trash = (await client.get('/api/trash')).body;
      assert.equal(trash.days, 7);
      const entry = trash.items.find((i: { itemId: string }) => i.itemId === target.id);
      assert.equal(entry.kind, 'message');
      assert.equal(Date.parse(entry.expiresAt) - Date.parse(entry.deletedAt), 7 * DAY);

      // A second device restores it, and the first hears of it on the live feed.
      const other = new TestClient(server.url);
      await other.session();
      const events = new SseReader(client, '/api/events');
      await events.ready;
      try {
        const restored = await other.post(`/api/trash/${entry.id}/restore`, {});
        assert.equal(restored.status, 200, JSON.stringify(restored.body));
        await events.until((e) => e.data.type === 'chat' && e.data.chatId === chatId);
      } finally {
        events.close();
      }
      assert.deepEqual(await messages(chatId), beforeDelete, 'every field of every message is back');
      assert.equal((await other.post(`/api/trash/${entry.id}/restore`, {})).status, 404, 'a second restore finds nothing');

      // The chat.
      const del = await client.delete(`/api/chats/${chatId}`);
      assert.equal(del.status, 204);
      assert.equal((await client.get(`/api/chats/${chatId}`)).status, 404);
      assert.ok(!(await client.get('/api/chats')).body.some((c: { id: string }) => c.id === chatId));
      assert.equal((await client.post(`/api/chats/${chatId}/ops`, { ops: [appendOp('into the trash?')] })).status, 404);
      const chatEntry = (await client.get('/api/trash')).body.items.find((i: { itemId: string }) => i.itemId === chatId);
      assert.equal((await other.post(`/api/trash/${chatEntry.id}/restore`, {})).status, 200);
      const chatAfter = (await client.get(`/api/chats/${chatId}`)).body;
      assert.equal(chatAfter.revision, chatBefore.revision + 2, 'the header is as it was after the delete and restore of the message');
      assert.deepEqual(await messages(chatId), beforeDelete);

      // The character, with its chats; a chat already in the trash stays there.
      const second = (await client.post('/api/chats', { characterId })).body;
      await client.delete(`/api/chats/${second.id}`);
      const characterBefore = (await client.get(`/api/characters/${characterId}`)).body;
      assert.equal((await client.delete(`/api/characters/${characterId}`)).status, 204);
      assert.equal((await client.get(`/api/characters/${characterId}`)).status, 404);
      assert.equal((await client.get(`/api/chats/${chatId}`)).status, 404, 'its chats went with it');
      const items = (await client.get('/api/trash')).body.items;
      const charEntry = items.find((i: { itemId: string }) => i.itemId === characterId);
      const secondEntry = items.find((i: { itemId: string }) => i.itemId === second.id);
      assert.equal((await client.post(`/api/trash/${secondEntry.id}/restore`, {})).status, 409, 'a chat waits for its character');
      // A character in the trash takes no writes: each is a 404, and the restore brings back exactly what went.
      for (const [path, body] of [
        [`/api/characters/${characterId}/persona`, { personaId: 'someone-else' }],
        [`/api/characters/${characterId}/favourite`, { favourite: true }],
        [`/api/characters/${characterId}`, { card: makeCard({ name: 'Changed in the trash' }) }],
      ] as const) {
        const reply = await client.put(path, body);
        assert.equal(reply.status, 404, `${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
      }
      assert.equal((await client.post(`/api/characters/${characterId}/duplicate`, {})).status, 404);
      assert.deepEqual((await client.post('/api/library/tags', { characterIds: [characterId], add: 'trashed' })).body, { changed: 0 });
      assert.equal((await other.post(`/api/trash/${charEntry.id}/restore`, {})).status, 200);
      assert.deepEqual((await client.get(`/api/characters/${characterId}`)).body, characterBefore);
      assert.deepEqual(await messages(chatId), beforeDelete);
      assert.equal((await client.get(`/api/chats/${second.id}`)).status, 404, 'the chat trashed on its own is still in the trash');

      // A book.
      const book = await client.post('/api/worlds', { id: newId(), name: `Book ${newId().slice(0, 6)}` });
      assert.equal(book.status, 201, JSON.stringify(book.body));
      await client.post(`/api/worlds/${book.body.id}/ops`, { ops: [{ opId: newId(), type: 'putEntries', entries: [{ uid: '5', entry: { uid: 5, key: ['k'], content: 'c' } }] }] });
      const bookBefore = (await client.get(`/api/worlds/${book.body.id}`)).body;
      assert.equal((await client.delete(`/api/worlds/${book.body.id}`)).status, 204);
      assert.ok(!(await client.get('/api/worlds')).body.some((w: { id: string }) => w.id === book.body.id));
      const nameTaken = await client.post('/api/worlds', { id: newId(), name: bookBefore.name });
      assert.equal(nameTaken.status, 409, 'a trashed book keeps its name');
      const bookEntry = (await client.get('/api/trash')).body.items.find((i: { itemId: string }) => i.itemId === book.body.id);
      assert.equal((await client.post(`/api/trash/${bookEntry.id}/restore`, {})).status, 200);
      assert.deepEqual((await client.get(`/api/worlds/${book.body.id}`)).body, bookBefore);
    });

    test("a trash entry's label cut short never cuts a character in two", opts, async () => {
      const { chatId } = await chatWith(1);
      // 🐉 is two UTF-16 units, the 119th and 120th: a cut after 119 would leave half of it.
      await ops(chatId, [{ opId: newId(), type: 'setTitle', title: `${'a'.repeat(118)}🐉 and more` }]);
      assert.equal((await client.delete(`/api/chats/${chatId}`)).status, 204);
      const entry = (await client.get('/api/trash')).body.items.find((i: { itemId: string }) => i.itemId === chatId);
      assert.equal(entry.label, `${'a'.repeat(118)}…`);
      // A chat file's name made its title, cut at 200 the same way.
      const form = new FormData();
      form.append('characterId', (await client.get(`/api/chats/${(await chatWith(1)).chatId}`)).body.characterId);
      form.append('file', new Blob(['{"user_name":"You","character_name":"X","create_date":"2024-05-01@10h00m00s","chat_metadata":{}}\n']), `${'b'.repeat(199)}🐉.jsonl`);
      const imported = await client.post('/api/chats/import', form);
      assert.equal(imported.status, 201, JSON.stringify(imported.body));
      assert.equal((await client.get(`/api/chats/${imported.body.id}`)).body.title, 'b'.repeat(199));
    });

    test('emptying the trash is explicit; the sweep purges only what has expired', opts, async () => {
      const { chatId, all } = await chatWith(2);
      await ops(chatId, [{ opId: newId(), type: 'delete', messageId: all[1]!.id }]);
      const { chatId: doomed } = await chatWith(1);
      await client.delete(`/api/chats/${doomed}`);
      const count = (await client.get('/api/trash')).body.items.length;
      assert.equal(await sweepTrash(server.store, Date.now()), 0, 'nothing expires early');
      assert.ok(await sweepTrash(server.store, Date.now() + 8 * DAY) >= 2);
      assert.ok((await client.get('/api/trash')).body.items.length <= count - 2);
      assert.equal(await server.store.chats.getAny(await userIdOf(server, client), doomed), undefined, 'the chat is gone for good');

      const { chatId: again } = await chatWith(1);
      await client.delete(`/api/chats/${again}`);
      // A character purged with its chats takes their op ids along too, as a chat's or a group's purge does.
      const { chatId: withCharacter, characterId } = await chatWith(2);
      await client.delete(`/api/characters/${characterId}`);
      const opsOf = async (id: string) =>
        (await server.store.db.selectFrom('applied_ops').select('op_id').where('scope', '=', `chat:${id}`).execute()).length;
      assert.ok((await opsOf(withCharacter)) > 0, 'its op ids are remembered while it is in the trash');
      assert.ok((await opsOf(again)) > 0);
      const emptied = await client.delete('/api/trash');
      assert.equal(emptied.status, 200);
      assert.ok(emptied.body.purged >= 2);
      assert.deepEqual((await client.get('/api/trash')).body.items, []);
      assert.deepEqual([await opsOf(again), await opsOf(withCharacter)], [0, 0]);
    });

    test('a restore and a purge of one entry at once (two devices, or the sweep): the first wins whole, nothing acknowledged is lost', opts, async () => {
      const userId = await userIdOf(server, client);
      const trashedChat = async () => {
        const { chatId } = await chatWith(1);
        await client.delete(`/api/chats/${chatId}`);
        const entry = (await client.get('/api/trash')).body.items.find((i: { itemId: string }) => i.itemId === chatId);
        return { chatId, entryId: entry.id as string };
      };
      const gate = () => {
        let open!: () => void;
        const opened = new Promise<void>((resolve) => (open = resolve));
        return { open, opened };
      };

      // The restore holds its transaction open; the sweep comes meanwhile, then the restore commits.
      const first = await trashedChat();
      const restored = gate();
      const commit = gate();
      const restoring = server.store.transaction(async (repos) => {
        await restoreFromTrash(repos, userId, first.entryId, Date.now());
        restored.open();
        await commit.opened;
      });
      await restored.opened;
      const sweeping = sweepTrash(server.store, Date.now() + 8 * DAY);
      // Long enough for the sweep to reach the chat (PostgreSQL) or wait for the writer (SQLite).
      await sleep(300);
      commit.open();
      await restoring;
      await sweeping;
      assert.equal((await client.get(`/api/chats/${first.chatId}`)).status, 200, 'the restored chat is not purged after all');

      // Emptying on one device holds its transaction open; a restore of the same entry comes from another.
      const second = await trashedChat();
      const purged = gate();
      const purgeCommit = gate();
      const holding = {
        transaction: (work: Parameters<Store['transaction']>[0]) =>
          server.store.transaction(async (repos) => {
            const result = await work(repos);
            purged.open();
            await purgeCommit.opened;
            return result;
          }),
      } as unknown as Store;
      const emptying = emptyTrash(holding, userId);
      await purged.opened;
      const restore = client.post(`/api/trash/${second.entryId}/restore`, {});
      await sleep(300);
      purgeCommit.open();
      assert.equal((await restore).status, 404, 'the purge came first: no restore is acknowledged for a chat that is gone');
      assert.ok((await emptying) >= 1);
      assert.equal((await client.get(`/api/chats/${second.chatId}`)).status, 404);
    });

    test('a chat file imported while its character goes to the trash goes there with it, and comes back with it', opts, async () => {
      const { characterId } = await createCharacterAndChat(client, { name: 'Importee', first_mes: 'Hi.' });
      const userId = await userIdOf(server, client);
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      let reading!: () => void;
      const read = new Promise<void>((resolve) => (reading = resolve));
      // The upload stalls inside its header: the character was found, the chat is not made yet.
      async function* upload() {
        yield '{"user_name":"You","character_name":"Importee",';
        reading();
        await opened;
        yield '"create_date":"2024-05-01@10h00m00s","chat_metadata":{}}\n';
        yield `${JSON.stringify({ name: 'You', is_user: true, is_system: false, send_date: '2024-05-01T10:00:00.000Z', mes: 'imported words', extra: {} })}\n`;
      }
      const importing = importChatFile(server.store, systemClock, { userId, characterId, title: 'Imported', now: Date.now() }, upload());
      await read;
      assert.equal((await client.delete(`/api/characters/${characterId}`)).status, 204);
      open();
      const imported = await importing;
      assert.equal((await client.get(`/api/chats/${imported.id}`)).status, 404, 'not a chat in use of a character in the trash');
      assert.ok(!(await client.get('/api/chats')).body.some((c: { id: string }) => c.id === imported.id));
      const entry = (await client.get('/api/trash')).body.items.find((i: { itemId: string }) => i.itemId === characterId);
      assert.equal((await client.post(`/api/trash/${entry.id}/restore`, {})).status, 200);
      assert.deepEqual((await messages(imported.id)).map((m) => m.content), ['imported words']);
    });

    test('a chat or branch made while its character or group goes to the trash (two devices at once) goes there with it', opts, async () => {
      const userId = await userIdOf(server, client);
      type Repos = Parameters<typeof createChat>[0];
      for (const kind of ['chat', 'branch', 'group chat'] as const) {
        const { characterId, chatId } = await createCharacterAndChat(client, { name: `Racer ${kind}`, first_mes: 'Hi.' });
        const [greeting] = await messages(chatId);
        const groupId = kind === 'group chat' ? (await client.post('/api/groups', { name: `Racers ${newId()}`, memberIds: [characterId] })).body.id as string : '';
        const owner = kind === 'group chat' ? `/api/groups/${groupId}` : `/api/characters/${characterId}`;
        const make = (repos: Repos) =>
          kind === 'chat'
            ? createChat(repos, userId, { characterId }, Date.now())
            : kind === 'branch'
              ? createBranch(repos, userId, chatId, { messageId: greeting!.id }, Date.now())
              : createGroupChat(repos, userId, { groupId }, Date.now());
        let made!: () => void;
        const madeP = new Promise<void>((resolve) => (made = resolve));
        let commit!: () => void;
        const committed = new Promise<void>((resolve) => (commit = resolve));
        // The chat is made, its transaction not committed yet, when the other device deletes the character.
        const making = server.store.transaction(async (repos) => {
          const { chat } = await make(repos);
          made();
          await committed;
          return chat;
        });
        await madeP;
        const deleting = client.delete(owner);
        await sleep(300);
        commit();
        const chat = await making;
        assert.equal((await deleting).status, 204);
        assert.equal((await client.get(`/api/chats/${chat.id}`)).status, 404, `the ${kind} is in the trash with its owner`);
        const entry = (await client.get('/api/trash')).body.items.find((i: { itemId: string }) => i.itemId === (groupId || characterId));
        assert.equal((await client.post(`/api/trash/${entry.id}/restore`, {})).status, 200);
        assert.equal((await client.get(`/api/chats/${chat.id}`)).status, 200, `the ${kind} comes back with it`);
      }
    });

    test('a character or group saved from one device as another puts it in the trash: a 404, and it comes back as it went', opts, async () => {
      const userId = await userIdOf(server, client);
      for (const kind of ['character', 'group'] as const) {
        const { characterId } = await createCharacterAndChat(client, { name: `Saved ${kind}`, first_mes: 'Hi.' });
        const groupId = kind === 'group' ? ((await client.post('/api/groups', { name: `Saved ${newId()}`, memberIds: [characterId] })).body.id as string) : '';
        const path = kind === 'group' ? `/api/groups/${groupId}` : `/api/characters/${characterId}`;
        const before = (await client.get(path)).body;
        let trashed!: () => void;
        const inTrash = new Promise<void>((resolve) => (trashed = resolve));
        let commit!: () => void;
        const committed = new Promise<void>((resolve) => (commit = resolve));
        const trashing = server.store.transaction(async (repos) => {
          const at = { now: Date.now(), days: 7 };
          await (kind === 'group' ? trashGroup(repos, userId, groupId, at) : trashCharacter(repos, userId, characterId, at));
          trashed();
          await committed;
        });
        await inTrash;
        const saving = kind === 'group' ? client.patch(path, { name: 'Renamed meanwhile' }) : client.put(path, { card: makeCard({ name: 'Renamed meanwhile' }) });
        await sleep(300);
        commit();
        await trashing;
        assert.equal((await saving).status, 404, `the ${kind} went to the trash first`);
        const entry = (await client.get('/api/trash')).body.items.find((i: { itemId: string }) => i.itemId === (groupId || characterId));
        assert.equal((await client.post(`/api/trash/${entry.id}/restore`, {})).status, 200);
        assert.deepEqual((await client.get(path)).body, before, `the ${kind} is back as it went`);
      }
    });

    test('undo: edits, deletes, swipe choices and hiding, one by one, exact on retry, after a restart', opts, async () => {
      const { chatId, all } = await chatWith(3);
      const greeting = all[0]!;
      const original = await messages(chatId);
      const edit = { opId: newId(), type: 'edit', messageId: all[1]!.id, content: 'edited' };
      const swipe = { opId: newId(), type: 'selectSwipe', messageId: greeting.id, index: 1 };
      const hide = { opId: newId(), type: 'setHidden', messageId: all[2]!.id, hidden: true };
      const del = { opId: newId(), type: 'delete', messageId: all[3]!.id };
      await ops(chatId, [edit, swipe, hide, del]);
      const steps = (await client.get(`/api/chats/${chatId}/undo`)).body.steps;
      assert.deepEqual(steps.map((s: { opId: string; kind: string }) => [s.opId, s.kind]), [
        [del.opId, 'delete'], [hide.opId, 'setHidden'], [swipe.opId, 'selectSwipe'], [edit.opId, 'edit'],
      ]);

      // Out of order is a conflict; the newest step undoes; the same undo op again is a duplicate.
      const wrong = await ops(chatId, [{ opId: newId(), type: 'undo', target: edit.opId }]);
      assert.equal(wrong.results[0]!.status, 'conflict');
      const undoDelete = { opId: newId(), type: 'undo', target: del.opId };
      assert.equal((await ops(chatId, [undoDelete])).results[0]!.status, 'applied');
      assert.equal((await ops(chatId, [undoDelete])).results[0]!.status, 'duplicate');
      // A second device's undo of the same step (its own op id) changes nothing more.
      assert.equal((await ops(chatId, [{ opId: newId(), type: 'undo', target: del.opId }])).results[0]!.status, 'duplicate');
      assert.deepEqual((await messages(chatId))[3], original[3], 'the deleted message is back exactly');

      // Undo survives a restart of the server.
      await server.stop();
      await start();
      const after = (await client.get(`/api/chats/${chatId}/undo`)).body.steps;
      assert.deepEqual(after.map((s: { opId: string }) => s.opId), [hide.opId, swipe.opId, edit.opId]);
      for (const step of after) {
        assert.equal((await ops(chatId, [{ opId: newId(), type: 'undo', target: step.opId }])).results[0]!.status, 'applied');
      }
      const back = await messages(chatId);
      assert.deepEqual(back.map((m) => [m.id, m.seq, m.content, m.swipes, m.swipeIndex, m.hidden]), original.map((m) => [m.id, m.seq, m.content, m.swipes, m.swipeIndex, m.hidden]));
      assert.deepEqual((await client.get(`/api/chats/${chatId}/undo`)).body.steps, []);

      // An edit changed again since cannot be undone blindly.
      const e1 = { opId: newId(), type: 'edit', messageId: all[1]!.id, content: 'one' };
      await ops(chatId, [e1]);
      await ops(chatId, [{ opId: newId(), type: 'addSwipe', messageId: all[1]!.id, content: 'a reply changed it' }]);
      assert.equal((await ops(chatId, [{ opId: newId(), type: 'undo', target: e1.opId }])).results[0]!.status, 'conflict');
    });

    test('undo of a delete the trash page (another device) restored meanwhile: done already, and the steps before it still undo', opts, async () => {
      const { chatId, all } = await chatWith(2);
      const original = await messages(chatId);
      const edit = { opId: newId(), type: 'edit', messageId: all[1]!.id, content: 'edited' };
      const del = { opId: newId(), type: 'delete', messageId: all[2]!.id };
      await ops(chatId, [edit, del]);
      const entry = (await client.get('/api/trash')).body.items.find((i: { itemId: string }) => i.itemId === del.messageId);
      const other = new TestClient(server.url);
      await other.session();
      assert.equal((await other.post(`/api/trash/${entry.id}/restore`, {})).status, 200);
      // The first device, not yet told, undoes the delete: what it wanted is there already.
      assert.equal((await ops(chatId, [{ opId: newId(), type: 'undo', target: del.opId }])).results[0]!.status, 'duplicate');
      assert.deepEqual((await client.get(`/api/chats/${chatId}/undo`)).body.steps.map((s: { opId: string }) => s.opId), [edit.opId]);
      assert.equal((await ops(chatId, [{ opId: newId(), type: 'undo', target: edit.opId }])).results[0]!.status, 'applied');
      assert.deepEqual((await messages(chatId)).map((m) => [m.id, m.content]), original.map((m) => [m.id, m.content]));

      // A delete whose entry was purged cannot be undone; it does not block the steps before it either.
      const edit2 = { opId: newId(), type: 'edit', messageId: all[1]!.id, content: 'edited again' };
      const del2 = { opId: newId(), type: 'delete', messageId: all[2]!.id };
      await ops(chatId, [edit2, del2]);
      assert.ok((await client.delete('/api/trash')).body.purged >= 1);
      assert.equal((await ops(chatId, [{ opId: newId(), type: 'undo', target: del2.opId }])).results[0]!.status, 'conflict');
      assert.equal((await ops(chatId, [{ opId: newId(), type: 'undo', target: edit2.opId }])).results[0]!.status, 'applied');
      assert.deepEqual((await messages(chatId)).map((m) => [m.id, m.content]), original.slice(0, 2).map((m) => [m.id, m.content]));
    });

    test('bookmarks across chats; recent chats across characters leave out the trash', opts, async () => {
      const a = await chatWith(1);
      const b = await chatWith(1);
      await ops(a.chatId, [{ opId: newId(), type: 'setBookmark', messageId: a.all[1]!.id, bookmarked: true }]);
      await ops(b.chatId, [{ opId: newId(), type: 'setBookmark', messageId: b.all[0]!.id, bookmarked: true }]);
      const marks = (await client.get('/api/bookmarks')).body.bookmarks;
      assert.deepEqual(marks.slice(0, 2).map((m: { chatId: string; message: { id: string; bookmarked: boolean } }) => [m.chatId, m.message.id, m.message.bookmarked]), [
        [b.chatId, b.all[0]!.id, true],
        [a.chatId, a.all[1]!.id, true],
      ]);
      await ops(b.chatId, [{ opId: newId(), type: 'setBookmark', messageId: b.all[0]!.id, bookmarked: false }]);
      assert.ok(!(await client.get('/api/bookmarks')).body.bookmarks.some((m: { chatId: string }) => m.chatId === b.chatId));

      const recent = (await client.get('/api/chats?limit=2')).body;
      assert.deepEqual(recent.map((c: { id: string }) => c.id), [b.chatId, a.chatId]);
      await client.delete(`/api/chats/${b.chatId}`);
      assert.equal((await client.get('/api/chats?limit=1')).body[0].id, a.chatId);
      assert.equal((await client.get('/api/chats?limit=0')).status, 400);
      assert.equal((await client.get('/api/bookmarks')).body.bookmarks.some((m: { chatId: string }) => m.chatId === a.chatId), true);
    });
  });
}

describe('history: another account reaches none of it', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ config: { enableUserAccounts: true, logLevel: 'warn' } });
  });
  after(() => server.close());

  test("a second account cannot read, branch, undo, restore or empty the first one's history", async () => {
    const { addUser } = await import('../support/users.js');
    await addUser(server, { handle: 'ann', password: 'correct horse battery' });
    await addUser(server, { handle: 'ben', password: 'correct horse battery' });
    const ann = new TestClient(server.url);
    assert.equal((await ann.login('ann', 'correct horse battery')).status, 200);
    const ben = new TestClient(server.url);
    assert.equal((await ben.login('ben', 'correct horse battery')).status, 200);

    const { chatId } = await createCharacterAndChat(ann, { first_mes: 'Mine.' });
    const [greeting] = (await ann.get(`/api/chats/${chatId}/messages`)).body.messages;
    await ann.post(`/api/chats/${chatId}/ops`, { ops: [{ opId: newId(), type: 'setBookmark', messageId: greeting.id, bookmarked: true }, { opId: newId(), type: 'edit', messageId: greeting.id, content: 'Mine, edited.' }] });
    const branch = await ann.post(`/api/chats/${chatId}/branches`, { messageId: greeting.id });
    assert.equal(branch.status, 201);
    await ann.delete(`/api/chats/${branch.body.id}`);
    const [entry] = (await ann.get('/api/trash')).body.items;

    assert.equal((await ben.get(`/api/chats/${chatId}/tree`)).status, 404);
    assert.equal((await ben.get(`/api/chats/${chatId}/undo`)).status, 404);
    assert.equal((await ben.post(`/api/chats/${chatId}/branches`, { messageId: greeting.id })).status, 404);
    assert.equal((await ben.post(`/api/chats/${chatId}/branches`, { messageId: greeting.id, id: branch.body.id })).status, 409, "another account's chat id is taken, not returned");
    assert.equal((await ben.post(`/api/trash/${entry.id}/restore`, {})).status, 404);
    assert.deepEqual((await ben.get('/api/trash')).body.items, []);
    assert.deepEqual((await ben.get('/api/bookmarks')).body.bookmarks, []);
    assert.deepEqual((await ben.get('/api/chats?limit=5')).body, []);
    assert.equal((await ben.delete('/api/trash')).body.purged, 0);
    assert.equal((await ann.get('/api/trash')).body.items.length, 1, "ben's emptying left ann's trash alone");
    assert.equal((await ben.post(`/api/chats/${chatId}/ops`, { ops: [{ opId: newId(), type: 'undo', target: newId() }] })).status, 404);
  });
});
