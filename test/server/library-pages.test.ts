import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeCard } from '../support/fixtures.js';
import { TestClient } from '../support/http-client.js';
import { ManualClock } from '../support/manual-clock.js';
import { DIALECTS, freshDatabase, unavailable, type TestDatabase } from '../support/test-databases.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

interface Page {
  items: Array<{ id: string; name: string; tags: string[]; favourite: boolean; creator: string }>;
  nextCursor: string | null;
  total: number;
}

/** Names chosen to trip LIKE (%, _, \) and case folding. */
const CARDS = [
  { name: 'Alpha', tags: ['fantasy', 'elf'], creator: 'ann' },
  { name: 'beta', tags: ['sci-fi'], creator: 'Bob' },
  { name: 'Gamma 100%', tags: ['fantasy'], creator: 'cy' },
  { name: 'Delta_x', tags: ['fant'], creator: 'dee' },
  { name: 'Epsilon\\n', tags: ['a "quoted" tag'], creator: 'eve' },
  { name: 'Zeta', tags: [], creator: 'ann' },
  { name: 'Émile', tags: ['Ça', 'va', 'x"fant'], creator: 'zoë' },
  ...Array.from({ length: 24 }, (_, i) => ({ name: `Filler ${String(i).padStart(2, '0')}`, tags: ['filler'], creator: 'bulk' })),
];

for (const dialect of DIALECTS) {
  describe(`the library in pages (${dialect})`, async () => {
    const skip = await unavailable(dialect);
    const clock = new ManualClock();
    let db: TestDatabase;
    let server: TestServer;
    let client: TestClient;
    const ids = new Map<string, string>();

    before(async () => {
      if (skip) return;
      db = await freshDatabase(dialect);
      server = await startTestServer({ config: db.configKeys, clock });
      client = new TestClient(server.url);
      await client.session();
      for (const card of CARDS) {
        clock.advance(1000);
        const reply = await client.post('/api/characters', { card: makeCard(card) });
        assert.equal(reply.status, 201);
        ids.set(card.name, reply.body.id);
      }
      await client.put(`/api/characters/${ids.get('Zeta')}/favourite`, { favourite: true });
      // A chat makes Gamma the most recent.
      clock.advance(1000);
      assert.equal((await client.post('/api/chats', { characterId: ids.get('Gamma 100%') })).status, 201);
    });
    after(async () => {
      if (skip) return;
      await server.close();
      await db.dispose();
    });

    const page = async (query: Record<string, string>): Promise<Page> => {
      const reply = await client.get(`/api/library?${new URLSearchParams(query)}`);
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      return reply.body as Page;
    };
    const names = async (query: Record<string, string>) => (await page({ limit: '200', ...query })).items.map((c) => c.name);
    const opts = { skip: skip ?? false };

    test('pages cover the library once each, in order; the cursor ends with the last page', opts, async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let i = 0; i < 20; i++) {
        const reply: Page = await page({ sort: 'name', limit: '7', ...(cursor && { cursor }) });
        assert.equal(reply.total, CARDS.length);
        seen.push(...reply.items.map((c) => c.name));
        cursor = reply.nextCursor;
        if (!cursor) break;
      }
      assert.equal(seen.length, CARDS.length);
      assert.equal(new Set(seen).size, CARDS.length);
      assert.deepEqual(seen, await names({ sort: 'name' }));
    });

    test('orders: favourites first; by name ignoring case; recent chat; date added', opts, async () => {
      const byName = await names({ sort: 'name' });
      assert.equal(byName[0], 'Zeta');
      assert.deepEqual(byName.slice(1, 4), ['Alpha', 'beta', 'Delta_x']);
      const recent = await names({ sort: 'recent' });
      assert.deepEqual(recent.slice(0, 2), ['Zeta', 'Gamma 100%']);
      // Never chatted with: newest added first.
      assert.equal(recent[2], 'Filler 23');
      const added = await names({ sort: 'added' });
      assert.deepEqual(added.slice(0, 2), ['Zeta', 'Filler 23']);
    });

    test('search is literal and ignores case; a tag is a folder matched whole; favourites', opts, async () => {
      assert.deepEqual(await names({ q: 'ALPHA' }), ['Alpha']);
      // Typed as it is written, a name outside ASCII is found (SQLite folds the case of ASCII letters only).
      assert.deepEqual(await names({ q: 'Émile' }), ['Émile']);
      assert.deepEqual(await names({ q: 'Ça' }), ['Émile']);
      // Tags are matched as text, not as the JSON they are kept in.
      assert.deepEqual((await names({ q: '"' })).sort(), ['Epsilon\\n', 'Émile']);
      assert.deepEqual(await names({ q: '"quoted"' }), ['Epsilon\\n']);
      assert.deepEqual(await names({ q: '","' }), []);
      assert.deepEqual(await names({ q: '[' }), []);
      assert.deepEqual(await names({ q: '%' }), ['Gamma 100%']);
      assert.deepEqual(await names({ q: '_' }), ['Delta_x']);
      assert.deepEqual(await names({ q: '\\' }), ['Epsilon\\n']);
      assert.deepEqual(await names({ q: 'bob' }), ['beta']);
      assert.deepEqual(await names({ q: 'elf' }), ['Alpha']);
      assert.deepEqual((await names({ q: 'ann', sort: 'name' })), ['Zeta', 'Alpha']);
      assert.deepEqual(await names({ q: '   ' }).then((list) => list.length), CARDS.length);
      assert.deepEqual(await names({ tag: 'fantasy', sort: 'name' }), ['Alpha', 'Gamma 100%']);
      assert.deepEqual(await names({ tag: 'fant' }), ['Delta_x'], 'not the end of another tag after a quote');
      assert.deepEqual(await names({ tag: 'x"fant' }), ['Émile']);
      assert.deepEqual(await names({ tag: 'a "quoted" tag' }), ['Epsilon\\n']);
      assert.deepEqual(await names({ tag: 'quoted' }), []);
      assert.deepEqual(await names({ tag: 'fantasy', q: 'gam' }), ['Gamma 100%']);
      assert.deepEqual(await names({ favourites: '1' }), ['Zeta']);
      const filler = await page({ tag: 'filler', limit: '5' });
      assert.equal(filler.total, 24);
      const rest = await page({ tag: 'filler', limit: '5', cursor: filler.nextCursor! });
      assert.deepEqual(rest.items.map((c) => c.name), (await names({ tag: 'filler' })).slice(5, 10));
    });

    test('a card added or deleted between two page reads neither skips nor repeats one; an older row-count cursor still reads', opts, async () => {
      // Pages of 5. A card deleted from the first page, or one added before the second's start, used to move every
      // later card one place across the page edges (a row count): one skipped, or one read twice.
      const readAll = async (sort: string, change: (first: Page) => Promise<void>) => {
        const first = await page({ sort, limit: '5' });
        await change(first);
        const seen = first.items.map((c) => c.name);
        for (let cursor = first.nextCursor, i = 0; cursor && i < 20; i++) {
          const next: Page = await page({ sort, limit: '5', cursor });
          seen.push(...next.items.map((c) => c.name));
          cursor = next.nextCursor;
        }
        return seen;
      };
      for (const sort of ['name', 'added', 'recent'] as const) {
        const before = await names({ sort });
        let deletedId = '';
        const afterDelete = await readAll(sort, async (first) => {
          deletedId = first.items[2]!.id;
          assert.equal((await client.delete(`/api/characters/${deletedId}`)).status, 204);
        });
        assert.deepEqual(afterDelete, before, `${sort}: a delete on the first page skips no one`);
        const trashId = (await client.get('/api/trash')).body.items.find((i: { itemId: string }) => i.itemId === deletedId).id;
        assert.equal((await client.post(`/api/trash/${trashId}/restore`, {})).status, 200);
        let addedId = '';
        const afterAdd = await readAll(sort, async () => {
          clock.advance(1000);
          addedId = (await client.post('/api/characters', { card: makeCard({ name: 'Aardvark' }) })).body.id;
        });
        // It sorts onto the first page, read before it came: it shows on none, and no one shows twice.
        assert.deepEqual(afterAdd, before, `${sort}: a card added before the page edge repeats no one`);
        assert.equal((await client.delete(`/api/characters/${addedId}`)).status, 204);
      }
      // The longest name, each character escaped in the cursor's JSON, still makes a cursor the server takes back.
      const long = await client.post('/api/characters', { card: makeCard({ name: '\u0001'.repeat(500) }) });
      assert.equal(long.status, 201, JSON.stringify(long.body));
      const edge = await page({ sort: 'name', limit: '2' });
      assert.equal(edge.items[1]!.id, long.body.id);
      assert.equal((await page({ sort: 'name', limit: '2', cursor: edge.nextCursor! })).items[0]!.name, 'Alpha');
      assert.equal((await client.delete(`/api/characters/${long.body.id}`)).status, 204);
      // A row count, as servers before answered, still starts a page there (a tab open across an upgrade).
      assert.deepEqual((await page({ sort: 'name', limit: '3', cursor: '4' })).items.map((c) => c.name), (await names({ sort: 'name' })).slice(4, 7));
    });

    test('tags with their counts', opts, async () => {
      const tags = (await client.get('/api/library/tags')).body as Array<{ tag: string; count: number }>;
      assert.deepEqual(
        tags.map((t) => [t.tag, t.count]),
        [['a "quoted" tag', 1], ['Ça', 1], ['elf', 1], ['fant', 1], ['fantasy', 2], ['filler', 24], ['sci-fi', 1], ['va', 1], ['x"fant', 1]],
      );
    });

    test('a tag put on and taken off many characters at once; others\' ids pass over; idempotent', opts, async () => {
      const chosen = [ids.get('Alpha')!, ids.get('beta')!, ids.get('Zeta')!];
      const tag = (body: Record<string, unknown>) => client.post('/api/library/tags', body);
      assert.deepEqual((await tag({ characterIds: chosen, add: 'picked' })).body, { changed: 3 });
      assert.deepEqual((await tag({ characterIds: chosen, add: 'picked' })).body, { changed: 0 });
      assert.deepEqual(await names({ tag: 'picked', sort: 'name' }), ['Zeta', 'Alpha', 'beta']);
      // The card holds it, where SillyTavern keeps tags.
      assert.deepEqual((await client.get(`/api/characters/${ids.get('Alpha')}`)).body.card.data.tags, ['fantasy', 'elf', 'picked']);
      assert.deepEqual((await tag({ characterIds: [...chosen, 'not-an-existing-id'], remove: 'picked', add: 'moved' })).body, { changed: 3 });
      assert.deepEqual(await names({ tag: 'picked' }), []);
      assert.equal((await names({ tag: 'moved' })).length, 3);
      for (const body of [{ characterIds: [], add: 'x' }, { characterIds: chosen }, { characterIds: chosen, add: ' x' }, { characterIds: ['../x'], add: 'x' }]) {
        assert.equal((await tag(body)).status, 400, JSON.stringify(body));
      }
    });

    test('bad queries are 400s', opts, async () => {
      const byName = (await page({ sort: 'name', limit: '2' })).nextCursor!;
      const notJson = `k${Buffer.from('[1,').toString('base64url')}`;
      for (const query of [`sort=added&cursor=${byName}`, `cursor=${notJson}`, `cursor=k${Buffer.from('{"a":1}').toString('base64url')}`, 'cursor=k!', 'cursor=-1', 'cursor=abc', 'cursor=99999999', 'limit=0', 'limit=201', 'sort=random', 'favourites=yes', `q=${'x'.repeat(201)}`, 'q=%00']) {
        const reply = await client.get(`/api/library?${query}`);
        assert.equal(reply.status, 400, `${query}: ${reply.status}`);
      }
      // A cursor past the end is an empty last page.
      const past = await page({ cursor: '5000' });
      assert.deepEqual([past.items.length, past.nextCursor], [0, null]);
    });
  });
}
