import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { appendOp, createCharacterAndChat, newId } from '../support/fixtures.js';
import { TestClient } from '../support/http-client.js';
import { ManualClock } from '../support/manual-clock.js';
import { DIALECTS, freshDatabase, unavailable, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { addUser } from '../support/users.js';

interface Hit {
  chatId: string;
  chatTitle: string;
  characterId: string | null;
  characterName: string | null;
  groupId: string | null;
  groupName: string | null;
  messageId: string;
  seq: number;
  role: string;
  createdAt: string;
  snippet: Array<{ text: string; match: boolean }>;
}

/** What a user could type into the search box that means something to FTS5 or to tsquery, or to neither. */
const HOSTILE = [
  '"',
  '""',
  '"unclosed phrase',
  'NEAR(',
  'NEAR(a b, 2)',
  '*',
  'lant*',
  '-',
  '-lantern',
  'lantern OR',
  'AND OR NOT',
  'content:lantern',
  '{content}: lantern',
  '^lantern',
  'a & b | !c',
  "lantern:* & 'x'",
  '<->',
  '(((',
  ')',
  '\\',
  "'; DROP TABLE messages; --",
  '🐉 dragon',
  'x'.repeat(10_000),
  'word '.repeat(40),
  '\u0001\u0002',
];

for (const dialect of DIALECTS) {
  describe(`search across every chat (${dialect})`, async () => {
    const skip = await unavailable(dialect);
    const clock = new ManualClock(Date.UTC(2026, 2, 1));
    let db: TestDatabase;
    let server: TestServer;
    let alice: TestClient;
    let bob: TestClient;

    before(async () => {
      if (skip) return;
      db = await freshDatabase(dialect);
      server = await startTestServer({ config: { ...db.configKeys, enableUserAccounts: true }, clock });
      await addUser(server, { handle: 'alice', password: 'alice-password' });
      await addUser(server, { handle: 'bob', password: 'bob-password' });
      alice = new TestClient(server.url);
      bob = new TestClient(server.url);
      assert.equal((await alice.login('alice', 'alice-password')).status, 200);
      assert.equal((await bob.login('bob', 'bob-password')).status, 200);
    });
    after(async () => {
      if (skip) return;
      await server.close();
      await db.dispose();
    });

    const search = async (client: TestClient, query: Record<string, string>) => {
      const reply = await client.get(`/api/search?${new URLSearchParams(query)}`);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      return reply.body as { hits: Hit[]; hasMore: boolean };
    };
    const ops = async (client: TestClient, chatId: string, list: unknown[]) => {
      const reply = await client.post(`/api/chats/${chatId}/ops`, { ops: list });
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.ok(reply.body.results.every((r: { status: string }) => r.status === 'applied'), JSON.stringify(reply.body));
    };
    const opts = { skip: skip ?? false };

    test('finds messages of group chats too, naming the group (a chat of a group has no character)', opts, async () => {
      const { characterId } = await createCharacterAndChat(alice, { name: 'Quill' });
      const group = await alice.post('/api/groups', { name: 'The Fellowship', memberIds: [characterId] });
      assert.equal(group.status, 201, JSON.stringify(group.body));
      const chat = await alice.post('/api/chats', { groupId: group.body.id });
      const id = newId();
      await ops(alice, chat.body.id, [appendOp('A gondola drifts over the group.', 'assistant', id)]);
      const { hits } = await search(alice, { q: 'gondola' });
      assert.deepEqual(
        hits.map((h) => [h.messageId, h.chatId, h.characterId, h.characterName, h.groupId, h.groupName]),
        [[id, chat.body.id, null, null, group.body.id, 'The Fellowship']],
      );
      // A 1:1 hit names no group; the character filter leaves group chats out; another account finds nothing.
      const solo = await createCharacterAndChat(alice, { name: 'Vane' });
      await ops(alice, solo.chatId, [appendOp('Another gondola, alone.', 'assistant')]);
      const both = (await search(alice, { q: 'gondola' })).hits;
      assert.deepEqual(both.map((h) => h.groupId ?? h.characterName).sort(), [group.body.id, 'Vane'].sort());
      assert.deepEqual((await search(alice, { q: 'gondola', characterId: solo.characterId })).hits.map((h) => h.groupName), [null]);
      assert.deepEqual((await search(bob, { q: 'gondola' })).hits, []);
      // A group in the trash takes its chats' messages out of the search.
      assert.equal((await alice.delete(`/api/groups/${group.body.id}`)).status, 204);
      assert.deepEqual((await search(alice, { q: 'gondola' })).hits.map((h) => h.characterName), ['Vane']);
    });

    test('finds a message with the character, chat and date; the snippet marks the word', opts, async () => {
      const { chatId, characterId } = await createCharacterAndChat(alice, { name: 'Seraphina' });
      const id = newId();
      await ops(alice, chatId, [appendOp('The lantern flickers beside the old mill.', 'assistant', id)]);
      const { hits } = await search(alice, { q: 'lantern' });
      assert.equal(hits.length, 1);
      const hit = hits[0]!;
      assert.equal(hit.messageId, id);
      assert.equal(hit.chatId, chatId);
      assert.equal(hit.characterId, characterId);
      assert.equal(hit.characterName, 'Seraphina');
      assert.equal(hit.chatTitle.length > 0, true);
      assert.equal(hit.role, 'assistant');
      assert.equal(hit.createdAt, new Date(clock.now()).toISOString());
      assert.deepEqual(
        hit.snippet.filter((part) => part.match).map((part) => part.text),
        ['lantern'],
      );
      assert.match(hit.snippet.map((part) => part.text).join(''), /lantern flickers beside the old mill/);
      // Case does not matter; a quoted phrase must stand together.
      assert.equal((await search(alice, { q: 'LANTERN' })).hits.length, 1);
      assert.equal((await search(alice, { q: '"old mill"' })).hits.length, 1);
      assert.equal((await search(alice, { q: '"mill old"' })).hits.length, 0);
      // Every word must be there.
      assert.equal((await search(alice, { q: 'lantern dragon' })).hits.length, 0);
    });

    test('an edited text is found by its new words and no longer by its old ones; a deleted one is forgotten', opts, async () => {
      const { chatId } = await createCharacterAndChat(alice);
      const id = newId();
      await ops(alice, chatId, [appendOp('A quokka smiles at the ferryman.', 'user', id)]);
      assert.equal((await search(alice, { q: 'quokka' })).hits.length, 1);
      await ops(alice, chatId, [{ opId: newId(), type: 'edit', messageId: id, content: 'A wombat frowns at the ferryman.' }]);
      assert.equal((await search(alice, { q: 'quokka' })).hits.length, 0);
      assert.equal((await search(alice, { q: 'wombat' })).hits[0]?.messageId, id);
      const del = { opId: newId(), type: 'delete', messageId: id };
      await ops(alice, chatId, [del]);
      assert.equal((await search(alice, { q: 'wombat' })).hits.length, 0);
      assert.equal((await search(alice, { q: 'ferryman' })).hits.length, 0);
      // Back by undo, then by the trash page, then with its chat: found again each time, by its last words.
      await ops(alice, chatId, [{ opId: newId(), type: 'undo', target: del.opId }]);
      assert.equal((await search(alice, { q: 'wombat' })).hits[0]?.messageId, id);
      await ops(alice, chatId, [{ opId: newId(), type: 'delete', messageId: id }]);
      const entry = (await alice.get('/api/trash')).body.items.find((i: { itemId: string }) => i.itemId === id);
      assert.equal((await alice.post(`/api/trash/${entry.id}/restore`, {})).status, 200);
      assert.equal((await search(alice, { q: 'wombat' })).hits[0]?.messageId, id);
      assert.equal((await alice.delete(`/api/chats/${chatId}`)).status, 204);
      assert.equal((await search(alice, { q: 'wombat' })).hits.length, 0);
      const chatEntry = (await alice.get('/api/trash')).body.items.find((i: { itemId: string }) => i.itemId === chatId);
      assert.equal((await alice.post(`/api/trash/${chatEntry.id}/restore`, {})).status, 200);
      assert.equal((await search(alice, { q: 'wombat' })).hits[0]?.messageId, id);
      assert.equal((await search(alice, { q: 'quokka' })).hits.length, 0);
    });

    test('swipes: the shown swipe is what is found', opts, async () => {
      const { chatId } = await createCharacterAndChat(alice);
      const id = newId();
      await ops(alice, chatId, [appendOp('First answer about marzipan.', 'assistant', id)]);
      await ops(alice, chatId, [{ opId: newId(), type: 'addSwipe', messageId: id, content: 'Second answer about nougat.' }]);
      assert.equal((await search(alice, { q: 'nougat' })).hits.length, 1);
      assert.equal((await search(alice, { q: 'marzipan' })).hits.length, 0);
      await ops(alice, chatId, [{ opId: newId(), type: 'selectSwipe', messageId: id, index: 0 }]);
      assert.equal((await search(alice, { q: 'marzipan' })).hits.length, 1);
      assert.equal((await search(alice, { q: 'nougat' })).hits.length, 0);
    });

    test('a deleted chat leaves nothing behind; an imported chat is found', opts, async () => {
      const { chatId, characterId } = await createCharacterAndChat(alice);
      await ops(alice, chatId, [appendOp('The zeppelin is late again.')]);
      assert.equal((await search(alice, { q: 'zeppelin' })).hits.length, 1);
      assert.equal((await alice.delete(`/api/chats/${chatId}`)).status, 204);
      assert.equal((await search(alice, { q: 'zeppelin' })).hits.length, 0);

      const lines = [
        { user_name: 'User', character_name: 'Seraphina', create_date: '2024-09-28@01h02m03s', chat_metadata: {} },
        { name: 'Seraphina', is_user: false, send_date: '2024-09-28T01:04:00.000Z', mes: 'Welcome to the xylophone hall.' },
      ];
      const form = new FormData();
      form.append('file', new Blob([lines.map((l) => JSON.stringify(l)).join('\n')]), 'Imported.jsonl');
      const imported = await alice.post(`/api/chats/import?characterId=${characterId}`, form);
      assert.equal(imported.status, 201, JSON.stringify(imported.body));
      const { hits } = await search(alice, { q: 'xylophone' });
      assert.equal(hits.length, 1);
      assert.equal(hits[0]!.chatId, imported.body.id);
      assert.equal(hits[0]!.createdAt, '2024-09-28T01:04:00.000Z');
    });

    test('another user finds none of it', opts, async () => {
      const { chatId } = await createCharacterAndChat(alice);
      await ops(alice, chatId, [appendOp('A private word: bandersnatch.')]);
      assert.equal((await search(alice, { q: 'bandersnatch' })).hits.length, 1);
      assert.equal((await search(bob, { q: 'bandersnatch' })).hits.length, 0);
    });

    test('filters: character, role, date range; ranked with paging', opts, async () => {
      const first = await createCharacterAndChat(alice, { name: 'Ada' });
      const second = await createCharacterAndChat(alice, { name: 'Brom' });
      const start = clock.now();
      await ops(alice, first.chatId, [appendOp('kestrel once', 'user')]);
      clock.advance(86_400_000);
      const middle = clock.now();
      await ops(alice, first.chatId, [appendOp('kestrel kestrel kestrel, the kestrel again', 'assistant')]);
      clock.advance(86_400_000);
      await ops(alice, second.chatId, [appendOp('a kestrel over a long and winding road through the hills of somewhere', 'assistant')]);
      const all = await search(alice, { q: 'kestrel' });
      assert.equal(all.hits.length, 3);
      // The message that is most about the word comes first.
      assert.match(all.hits[0]!.snippet.map((p) => p.text).join(''), /kestrel kestrel kestrel/);
      assert.deepEqual(
        (await search(alice, { q: 'kestrel', characterId: second.characterId })).hits.map((h) => h.characterName),
        ['Brom'],
      );
      assert.deepEqual((await search(alice, { q: 'kestrel', role: 'user' })).hits.map((h) => h.role), ['user']);
      const ranged = await search(alice, {
        q: 'kestrel',
        from: new Date(middle).toISOString(),
        to: new Date(middle + 1).toISOString(),
      });
      assert.equal(ranged.hits.length, 1);
      assert.equal(ranged.hits[0]!.createdAt, new Date(middle).toISOString());
      assert.equal((await search(alice, { q: 'kestrel', to: new Date(start).toISOString() })).hits.length, 0);
      const page1 = await search(alice, { q: 'kestrel', limit: '2' });
      const page2 = await search(alice, { q: 'kestrel', limit: '2', offset: '2' });
      assert.equal(page1.hasMore, true);
      assert.equal(page2.hasMore, false);
      assert.deepEqual([...page1.hits, ...page2.hits].map((h) => h.messageId), all.hits.map((h) => h.messageId));
    });

    test('hostile search text gives results or a 400, never a 500', opts, async () => {
      const { chatId } = await createCharacterAndChat(alice);
      await ops(alice, chatId, [appendOp('near the wyvern, a dragon 🐉 and a word')]);
      // Bytes that are not UTF-8 (a lone surrogate's) are read as U+FFFD.
      for (const q of [...HOSTILE.map(encodeURIComponent), '%ED%A0%80', '%FF%FE']) {
        const reply = await alice.get(`/api/search?q=${q}`);
        assert.ok(reply.status === 200 || reply.status === 400, `${JSON.stringify(q.slice(0, 40))}: ${reply.status} ${JSON.stringify(reply.body)}`);
        if (reply.status === 400) assert.equal(reply.body.error, 'invalid_request');
        else assert.ok(Array.isArray(reply.body.hits));
      }
      // Syntax is dropped, the words stay words.
      assert.equal((await search(alice, { q: 'NEAR(wyvern' })).hits.length, 0);
      assert.equal((await search(alice, { q: 'NEAR wyvern' })).hits.length, 1);
      assert.equal((await search(alice, { q: '-wyvern' })).hits.length, 1);
      assert.equal((await search(alice, { q: 'wyvern*' })).hits.length, 1);
      assert.equal((await search(alice, { q: '🐉 "a dragon"' })).hits.length, 1);
      for (const bad of ['%00', 'a%00b', '', '%20%20', '%22%22', '*-']) {
        const reply = await alice.get(`/api/search?q=${bad}`);
        assert.equal(reply.status, 400, `${bad}: ${reply.status}`);
      }
      for (const query of [
        'q=x&limit=0', 'q=x&limit=101', 'q=x&limit=1.5', 'q=x&limit=Infinity', 'q=x&offset=-1', 'q=x&offset=100000', 'q=x&offset=NaN',
        'q=x&role=narrator', 'q=x&from=yesterday', 'q=x&characterId=../x', 'q=x&characterId=%00', 'q=a&q=b', `q=${'x'.repeat(10_000)}`,
        `q=${Array.from({ length: 33 }, (_, i) => `w${i}`).join('+')}`,
        // Dates that do not exist, or beyond four-digit years: refused, never read as some other day.
        'q=x&from=2024-02-30T00:00:00Z', 'q=x&from=2023-02-29T00:00:00Z', 'q=x&to=2024-12-01T24:00:00Z', 'q=x&from=%2B275760-09-13T00:00:00Z',
        `q=x&from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z`,
      ]) {
        assert.equal((await alice.get(`/api/search?${query}`)).status, 400, query.slice(0, 80));
      }
      // The widest dates there are, and an empty range's edge, answer.
      assert.equal((await search(alice, { q: 'wyvern', from: '0000-01-01T00:00:00Z', to: '9999-12-31T23:59:59.999+14:00' })).hits.length, 1);
      assert.equal((await search(alice, { q: 'wyvern', from: '2000-01-01T00:00:00Z', to: '2000-01-01T00:00:00Z' })).hits.length, 0);
      assert.equal((await new TestClient(server.url).get('/api/search?q=x')).status, 401);
    });

    test('a page around a message far back: half before it, the rest from it on', opts, async () => {
      // No greeting: the chat's messages are seq 0 to 299.
      const { chatId } = await createCharacterAndChat(alice, { first_mes: '' });
      const appends = Array.from({ length: 300 }, (_, i) => appendOp(`message number ${i}`));
      await ops(alice, chatId, appends.slice(0, 150));
      await ops(alice, chatId, appends.slice(150));
      const page = (await alice.get(`/api/chats/${chatId}/messages?around=100&limit=50`)).body;
      assert.deepEqual(page.messages.map((m: { seq: number }) => m.seq), Array.from({ length: 50 }, (_, i) => 75 + i));
      assert.equal(page.hasMore, true);
      assert.equal(page.hasNewer, true);
      const start = (await alice.get(`/api/chats/${chatId}/messages?around=3&limit=50`)).body;
      assert.equal(start.messages[0].seq, 0);
      assert.equal(start.hasMore, false);
      assert.equal(start.hasNewer, true);
      const end = (await alice.get(`/api/chats/${chatId}/messages?around=290&limit=50`)).body;
      assert.equal(end.messages.at(-1).seq, 299);
      assert.equal(end.hasNewer, false);
      assert.equal((await alice.get(`/api/chats/${chatId}/messages?around=3&before=9`)).status, 400);
      // Positions outside any chat: a page (empty or not) or a 400, never a database's out-of-range error.
      for (const query of ['around=-5', 'around=3000000000', 'before=3000000000', 'after=-3000000000', 'after=3000000000', 'around=9007199254740993', 'before=1e400']) {
        const reply = await alice.get(`/api/chats/${chatId}/messages?${query}&limit=5`);
        assert.ok(reply.status === 200 || reply.status === 400, `${query}: ${reply.status} ${JSON.stringify(reply.body)}`);
      }
    });
  });
}
