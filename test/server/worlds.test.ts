import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeCard } from '../support/fixtures.js';
import { TestClient } from '../support/http-client.js';
import { DIALECTS, freshDatabase, unavailable, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { stEntry } from '../support/world-books.js';

/** A book as SillyTavern writes it (4-space JSON), with keys Parley does not know, top-level and in entries. */
const ST_BOOK = `${JSON.stringify(
  {
    entries: {
      '0': { ...stEntry(0, { key: ['sword'], content: 'The sword.' }), futureField: { nested: [1, 2] } },
      '1': stEntry(1, { key: ['/dra(gon|ke)/i'], content: 'Dragons.', position: 4, depth: 2, role: 1 }),
      '10': stEntry(10, { constant: true, content: 'Always.' }),
    },
    originalData: { name: 'kept', entries: [] },
    extensions: { someTool: true },
  },
  null,
  4,
)}`;

for (const dialect of DIALECTS) {
  describe(`world-info books (${dialect})`, async () => {
    const skip = await unavailable(dialect);
    let db: TestDatabase;
    let server: TestServer;
    let client: TestClient;

    before(async () => {
      if (skip) return;
      db = await freshDatabase(dialect);
      server = await startTestServer({ config: { ...db.configKeys, limits: { cardUploadMb: 2 } } });
      client = new TestClient(server.url);
      await client.session();
    });
    after(async () => {
      if (skip) return;
      await server.close();
      await db.dispose();
    });

    const upload = (text: string | Uint8Array, fileName: string, query = '') => {
      const form = new FormData();
      form.append('file', new Blob([typeof text === 'string' ? text : Buffer.from(text)], { type: 'application/json' }), fileName);
      return client.post(`/api/worlds/import${query}`, form);
    };
    const exported = async (id: string) => {
      const response = await fetch(`${server.url}/api/worlds/${id}/export`, { headers: { cookie: client.cookieHeader } });
      return { status: response.status, text: await response.text(), disposition: response.headers.get('content-disposition') ?? '' };
    };
    const ops = (id: string, list: unknown[]) => client.post(`/api/worlds/${id}/ops`, { ops: list });
    let opCounter = 0;
    const opId = () => `op-${dialect}-${String(++opCounter).padStart(6, '0')}`;

    test('import then export gives back the file byte for byte; the name is the file name', { skip: skip ?? false }, async () => {
      const reply = await upload(ST_BOOK, 'Eldoria.json');
      assert.equal(reply.status, 201);
      assert.equal(reply.body.name, 'Eldoria');
      assert.equal(reply.body.entryCount, 3);
      const out = await exported(reply.body.id);
      assert.equal(out.status, 200);
      assert.equal(out.text, ST_BOOK);
      assert.match(out.disposition, /Eldoria\.json/);
      // A file written by another tool (compact, keys out of numeric order) also comes back as it was.
      const odd = '{"entries":{"5":{"key":["x"],"content":"five","weird":null},"2":{"key":["y"],"content":"two"}},"name":"odd"}';
      const second = await upload(odd, 'Odd.json');
      assert.equal((await exported(second.body.id)).text, odd);
    });

    test('after an edit the export is SillyTavern\'s format with every key kept, unknown ones too', { skip: skip ?? false }, async () => {
      const reply = await upload(ST_BOOK, 'Edited.json');
      const id = reply.body.id;
      const put = await ops(id, [{ opId: opId(), type: 'putEntry', uid: '11', entry: stEntry(11, { key: ['new'], content: 'New.' }) }]);
      assert.deepEqual(put.body.results.map((r: { status: string }) => r.status), ['applied']);
      const text = (await exported(id)).text;
      const parsed = JSON.parse(text);
      const original = JSON.parse(ST_BOOK);
      assert.deepEqual(Object.keys(parsed), ['entries', 'originalData', 'extensions']);
      assert.deepEqual(parsed.entries['0'], original.entries['0']);
      assert.deepEqual(parsed.originalData, original.originalData);
      assert.deepEqual(parsed.extensions, original.extensions);
      assert.equal(parsed.entries['11'].content, 'New.');
      // SillyTavern's own writing: JSON.stringify(data, null, 4).
      assert.equal(text, JSON.stringify({ ...original, entries: { ...original.entries, '11': stEntry(11, { key: ['new'], content: 'New.' }) } }, null, 4));
    });

    test('GET lists books; a book reads back with its entries in file order and token counts', { skip: skip ?? false }, async () => {
      const reply = await upload(ST_BOOK, 'Listed.json');
      const list = await client.get('/api/worlds');
      assert.ok(list.body.some((w: { name: string }) => w.name === 'Listed'));
      const book = await client.get(`/api/worlds/${reply.body.id}`);
      assert.deepEqual(book.body.entries.map((e: { uid: string }) => e.uid), ['0', '1', '10']);
      assert.ok(book.body.entries[0].tokens > 0);
      assert.deepEqual(book.body.entries[0].entry.futureField, { nested: [1, 2] });
    });

    test('malformed files are refused with 422 invalid_world, and nothing is stored', { skip: skip ?? false }, async () => {
      const before = (await client.get('/api/worlds')).body.length;
      const cases: [string | Uint8Array, RegExp][] = [
        ['not json at all', /not valid JSON/],
        ['[1,2,3]', /JSON object/],
        ['{"name":"no entries"}', /no "entries"/],
        ['{"entries": "text"}', /"entries" must be an object/],
        ['{"entries": {"0": 5}}', /Entry "0" is not an object/],
        ['{"entries": {"0": {"content": "a\\u0000b"}}}', /NUL/],
        ['{"entries": {"0": {"content": "\\ud800"}}}', /unpaired surrogate/],
        [`{"entries": {"0": ${'['.repeat(100)}${']'.repeat(100)}}}`, /nests deeper/],
        [new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), /not UTF-8/],
        ['{"lorebookVersion": 5, "entries": "x"}', /must be a list/],
      ];
      for (const [text, message] of cases) {
        const reply = await upload(text, 'bad.json');
        assert.equal(reply.status, 422, String(text));
        assert.equal(reply.body.error, 'invalid_world');
        assert.match(reply.body.message, message);
      }
      assert.equal((await client.get('/api/worlds')).body.length, before);
    });

    test('a taken name is a 409; ?name= picks another', { skip: skip ?? false }, async () => {
      await upload(ST_BOOK, 'Taken.json');
      const again = await upload(ST_BOOK, 'Taken.json');
      assert.equal(again.status, 409);
      const renamed = await upload(ST_BOOK, 'Taken.json', '?name=Taken%20too');
      assert.equal(renamed.status, 201);
      assert.equal(renamed.body.name, 'Taken too');
    });

    test('NovelAI, Agnai and RisuAI lorebooks are converted as SillyTavern converts them', { skip: skip ?? false }, async () => {
      const novel = { lorebookVersion: 5, entries: [{ text: 'Nov text', keys: ['moon'], displayName: 'Moon', enabled: false, contextConfig: { budgetPriority: 400 } }] };
      const agnai = { kind: 'memory', name: 'A', entries: [{ name: 'Sun', entry: 'Agnai text', keywords: ['sun'], priority: 1, weight: 7, enabled: true }] };
      const risu = { type: 'risu', data: [{ key: 'star, comet', secondkey: 'night', comment: 'Star', content: 'Risu text', alwaysActive: false, selective: true, insertorder: 12, activationPercent: 40 }] };
      const read = async (body: unknown, name: string) => {
        const reply = await upload(JSON.stringify(body), `${name}.json`);
        assert.equal(reply.status, 201, JSON.stringify(reply.body));
        return (await client.get(`/api/worlds/${reply.body.id}`)).body.entries[0].entry;
      };
      const n = await read(novel, 'Novel');
      assert.deepEqual([n.key, n.comment, n.content, n.order, n.disable], [['moon'], 'Moon', 'Nov text', 400, true]);
      const a = await read(agnai, 'Agnai');
      assert.deepEqual([a.key, a.comment, a.content, a.order, a.disable], [['sun'], 'Sun', 'Agnai text', 7, false]);
      const r = await read(risu, 'Risu');
      assert.deepEqual([r.key, r.keysecondary, r.content, r.order, r.probability, r.selective], [['star', 'comet'], ['night'], 'Risu text', 12, 40, true]);
    });

    test('ops: put, patch in bulk, delete, move to another book, duplicates are no-ops', { skip: skip ?? false }, async () => {
      const a = (await upload(ST_BOOK, 'OpsA.json')).body.id;
      const b = (await upload(ST_BOOK, 'OpsB.json')).body.id;
      const patchId = opId();
      const patch = await ops(a, [{ opId: patchId, type: 'patchEntries', uids: ['0', '1'], patch: { disable: true } }]);
      assert.equal(patch.status, 200);
      const again = await ops(a, [{ opId: patchId, type: 'patchEntries', uids: ['0', '1'], patch: { disable: false } }]);
      assert.deepEqual(again.body.results[0].status, 'duplicate');
      let book = (await client.get(`/api/worlds/${a}`)).body;
      assert.deepEqual(book.entries.map((e: { entry: { disable: boolean } }) => e.entry.disable), [true, true, false]);
      const bad = await ops(a, [{ opId: opId(), type: 'patchEntries', uids: ['0'], patch: { key: 'not a list' } }]);
      assert.equal(bad.status, 400);
      await ops(a, [{ opId: opId(), type: 'moveEntries', uids: ['0', '10'], toWorldId: b }]);
      book = (await client.get(`/api/worlds/${a}`)).body;
      assert.deepEqual(book.entries.map((e: { uid: string }) => e.uid), ['1']);
      const target = (await client.get(`/api/worlds/${b}`)).body;
      // Uids 0 and 10 were taken in B: the moved entries get the next free numbers.
      assert.deepEqual(target.entries.map((e: { uid: string }) => e.uid), ['0', '1', '10', '2', '3']);
      assert.deepEqual(target.entries.slice(3).map((e: { entry: { uid: number; content: string } }) => [e.entry.uid, e.entry.content]), [
        [2, 'The sword.'],
        [3, 'Always.'],
      ]);
      assert.equal(target.entryCount, 5);
      await ops(a, [{ opId: opId(), type: 'deleteEntries', uids: ['1', 'nope'] }]);
      assert.equal((await client.get(`/api/worlds/${a}`)).body.entryCount, 0);
    });

    test('rename keeps links: cards, chats and settings that named the book follow', { skip: skip ?? false }, async () => {
      const world = (await upload(ST_BOOK, 'Old Name.json')).body.id;
      const card = makeCard({ name: 'Linked' });
      card.data.extensions = { ...card.data.extensions, world: 'Old Name' };
      const character = (await client.post('/api/characters', { card })).body;
      const chat = (await client.post('/api/chats', { characterId: character.id })).body;
      await client.post(`/api/chats/${chat.id}/ops`, { ops: [{ opId: opId(), type: 'setMetadata', patch: { world_info: 'Old Name' } }] });
      await client.patch('/api/settings', { opId: opId(), patch: { worldInfo: { globalBooks: ['Old Name', 'Other'], characterBooks: { [character.id]: ['Old Name'] }, personaBooks: { p1: 'Old Name' } } } });
      const taken = await upload(ST_BOOK, 'Taken Name.json');
      assert.equal((await ops(world, [{ opId: opId(), type: 'rename', name: 'Taken Name' }])).status, 409);
      void taken;
      const renamed = await ops(world, [{ opId: opId(), type: 'rename', name: 'New Name' }]);
      assert.equal(renamed.status, 200);
      assert.equal((await client.get(`/api/characters/${character.id}`)).body.card.data.extensions.world, 'New Name');
      assert.equal((await client.get(`/api/chats/${chat.id}`)).body.metadata.world_info, 'New Name');
      const settings = (await client.get('/api/settings')).body.values.worldInfo;
      assert.deepEqual(settings, { globalBooks: ['New Name', 'Other'], characterBooks: { [character.id]: ['New Name'] }, personaBooks: { p1: 'New Name' } });
      assert.equal((await exported(world)).disposition.includes('New%20Name'), true);
    });

    test('a card\'s embedded book becomes a linked book; a linked book converts back to character_book', { skip: skip ?? false }, async () => {
      const card = makeCard({ name: 'Embedder' });
      card.data.character_book = {
        name: 'Embedded Lore',
        entries: [
          { id: 3, keys: ['lamp'], content: 'A lamp.', enabled: true, insertion_order: 50, position: 'after_char', extensions: { depth: 2, position: 4, role: 2, sticky: 3, group: 'g' } },
          { keys: ['door'], secondary_keys: ['red'], selective: true, content: 'A door.', enabled: false, insertion_order: 10, constant: false, extensions: {} },
        ],
      };
      const character = (await client.post('/api/characters', { card })).body;
      const made = await client.post('/api/worlds/from-card', { characterId: character.id });
      assert.equal(made.status, 201);
      assert.equal(made.body.name, 'Embedded Lore');
      assert.equal((await client.get(`/api/characters/${character.id}`)).body.card.data.extensions.world, 'Embedded Lore');
      const entries = (await client.get(`/api/worlds/${made.body.id}`)).body.entries;
      assert.deepEqual(entries.map((e: { uid: string }) => e.uid), ['3', '1']);
      const lamp = entries[0].entry;
      assert.deepEqual([lamp.key, lamp.order, lamp.position, lamp.depth, lamp.role, lamp.sticky, lamp.group, lamp.disable], [['lamp'], 50, 4, 2, 2, 3, 'g', false]);
      const door = entries[1].entry;
      assert.deepEqual([door.keysecondary, door.selective, door.disable, door.position], [['red'], true, true, 1]);
      // Again: the name is taken, so the second copy is numbered.
      assert.equal((await client.post('/api/worlds/from-card', { characterId: character.id })).body.name, 'Embedded Lore (2)');
    });

    test('create is idempotent by client id; delete removes the book and its entries', { skip: skip ?? false }, async () => {
      const first = await client.post('/api/worlds', { id: `new-book-${dialect}`, name: 'Fresh' });
      assert.equal(first.status, 201);
      const second = await client.post('/api/worlds', { id: `new-book-${dialect}`, name: 'Fresh' });
      assert.equal(second.status, 200);
      assert.equal((await client.post('/api/worlds', { id: `other-book-${dialect}`, name: 'Fresh' })).status, 409);
      assert.equal((await exported(`new-book-${dialect}`)).text, '{\n    "entries": {}\n}');
      assert.equal((await client.delete(`/api/worlds/new-book-${dialect}`)).status, 204);
      assert.equal((await client.get(`/api/worlds/new-book-${dialect}`)).status, 404);
      assert.equal((await client.delete(`/api/worlds/new-book-${dialect}`)).status, 404);
    });
  });
}
