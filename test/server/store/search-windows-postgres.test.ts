import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import type { MessageRecord } from '../../../src/server/store/chats-repository.js';
import { searchFilters, type MessageSearch } from '../../../src/server/store/message-search.js';
import { dateOfNewestShare, postgresMessageSearch, windowOf } from '../../../src/server/store/postgres-message-search.js';
import { createCharacterAndChat, newId } from '../../support/fixtures.js';
import { TestClient } from '../../support/http-client.js';
import { freshDatabase, unavailable, type TestDatabase } from '../../support/test-databases.js';
import { startTestServer, type TestServer } from '../../support/test-server.js';
import { addUser } from '../../support/users.js';

/** Small enough that a few hundred messages hold many times the ranked matches, as a million do at 5,000. */
const RANKED_AT_MOST = 20;
const PER_CHAT = 300;
const T0 = Date.UTC(2026, 0, 1);

/**
 * A message's words by its place in its chat: `alpha` in every one, `beta` in every second, `gamma` in every
 * fiftieth, `delta` in the older half of each chat and every twentieth after (many matches, few of them recent), and repeats that
 * give the ranking something to order.
 */
function contentOf(seq: number): string {
  const words = ['alpha', ...Array(seq % 4).fill('alpha'), 'filler', `w${seq % 7}`];
  if (seq % 2 === 0) words.push(...Array(1 + (seq % 3)).fill('beta'));
  if (seq % 50 === 7) words.push('gamma');
  if (seq < PER_CHAT / 2 || seq % 20 === 19) words.push('delta');
  return words.join(' ');
}

describe('PostgreSQL search: the newest messages first, the same results as ranking every match', async () => {
  const skip = await unavailable('postgres');
  let db: TestDatabase;
  let server: TestServer;
  let aliceId: string;
  let characterIds: string[];
  const opts = { skip: skip ?? false };

  before(async () => {
    if (skip) return;
    db = await freshDatabase('postgres');
    server = await startTestServer({ config: { ...db.configKeys, enableUserAccounts: true } });
    aliceId = (await addUser(server, { handle: 'alice', password: 'alice-password' })).id;
    await addUser(server, { handle: 'bob', password: 'bob-password' });
    const alice = new TestClient(server.url);
    const bob = new TestClient(server.url);
    assert.equal((await alice.login('alice', 'alice-password')).status, 200);
    assert.equal((await bob.login('bob', 'bob-password')).status, 200);
    // Alice: three chats with two characters and one in the trash; Bob: one. Their dates interleave.
    const chats = [
      await createCharacterAndChat(alice, { name: 'Ada', first_mes: '' }),
      await createCharacterAndChat(alice, { name: 'Brom', first_mes: '' }),
      await createCharacterAndChat(bob, { name: 'Cato', first_mes: '' }),
      await createCharacterAndChat(alice, { name: 'Dida', first_mes: '' }),
    ];
    const second = await alice.post('/api/chats', { characterId: chats[0]!.characterId });
    chats.push({ ...chats[0]!, chatId: second.body.id });
    characterIds = chats.map((c) => c.characterId);
    for (const [k, { chatId }] of chats.entries()) {
      const rows = Array.from({ length: PER_CHAT }, (_, seq): MessageRecord => ({
        seq,
        id: newId(),
        role: seq % 2 ? 'user' : 'assistant',
        name: seq % 2 ? 'User' : 'Character',
        content: contentOf(seq),
        swipes: [],
        swipeIndex: 0,
        extra: {},
        imported: null,
        status: 'complete',
        revision: 1,
        hidden: false,
        bookmarkedAt: null,
        // Every date distinct, so "the newest" is one set of messages.
        createdAt: T0 + (seq * chats.length + k) * 60_000,
      }));
      await server.store.transaction((repos) => repos.chats.insertMessages(chatId, rows));
    }
    assert.equal((await alice.delete(`/api/chats/${chats[3]!.chatId}`)).status, 204);
    await sql`ANALYZE`.execute(server.store.db);
  });
  after(async () => {
    if (skip) return;
    await server.close();
    await db.dispose();
  });

  const searchOf = (q: string, more: Partial<MessageSearch> = {}): MessageSearch => ({
    userId: aliceId,
    phrases: q.split(',').map((phrase) => phrase.split(' ')),
    offset: 0,
    limit: 10,
    ...more,
  });

  /** What the search means, written plainly: the newest matches that pass the filters, ranked, paged. */
  async function expected(search: MessageSearch): Promise<string[]> {
    const query = sql.join(search.phrases.map((words) => sql`phraseto_tsquery('simple', ${words.join(' ')})`), sql` && `);
    const { rows } = await sql<{ chat_id: string; seq: number }>`
      WITH newest AS (
        SELECT m.chat_id, m.seq, m.created_at, ts_rank(m.search_vector, (${query})) AS score
        FROM messages m JOIN chats c ON c.id = m.chat_id
        WHERE m.search_vector @@ (${query}) AND ${searchFilters(search)}
        ORDER BY m.created_at DESC LIMIT ${RANKED_AT_MOST})
      SELECT chat_id, seq FROM newest ORDER BY score DESC, created_at DESC, chat_id, seq
      LIMIT ${search.limit} OFFSET ${search.offset}`.execute(server.store.db);
    return rows.map((row) => `${row.chat_id}:${row.seq}`);
  }

  // [query (phrases split by commas), filters, whether the newest messages are searched first]
  const CASES: Array<[string, () => Partial<MessageSearch>, boolean]> = [
    ['alpha', () => ({}), true],
    ['alpha', () => ({ offset: 10 }), true],
    ['alpha', () => ({ offset: 15, limit: 10 }), true],
    ['alpha', () => ({ offset: 20 }), true],
    ['beta', () => ({}), true],
    ['alpha,beta', () => ({}), true],
    // No user's message has beta, which the planner cannot know: the window holds none, every message is searched.
    ['beta', () => ({ role: 'user' }), true],
    ['beta', () => ({ role: 'assistant' }), true],
    ['alpha', () => ({ characterId: characterIds[0] }), true],
    ['alpha', () => ({ characterId: characterIds[1] }), true],
    ['alpha', () => ({ to: T0 + 600 * 60_000 }), true],
    ['alpha', () => ({ from: T0 + 200 * 60_000, to: T0 + 900 * 60_000 }), true],
    ['alpha', () => ({ from: T0 + 1_400 * 60_000 }), false],
    // Many matches, few recent: the newest messages hold too few, and every message is searched.
    ['delta', () => ({}), true],
    ['delta', () => ({ offset: 5 }), true],
    ['gamma', () => ({}), false],
    ['alpha beta', () => ({}), false],
    ['beta alpha', () => ({}), false],
    ['filler w3', () => ({}), false],
  ];

  test('a table of queries: the same hits in the same order as ranking the newest of every match', opts, async () => {
    const search = postgresMessageSearch(RANKED_AT_MOST);
    const readings = new Set<boolean>();
    for (const [q, filters, windowed] of CASES) {
      const input = searchOf(q, filters());
      const label = `${q} ${JSON.stringify(filters())}`;
      const want = await expected(input);
      const got = await search(server.store.db, input);
      assert.deepEqual(got.map((hit) => `${hit.chatId}:${hit.seq}`), want, label);
      assert.ok(got.every((hit) => hit.snippet.includes('\u0001')), label);
      const window = await windowOf(server.store.db, input, RANKED_AT_MOST);
      assert.equal(window !== undefined, windowed, label);
      if (window) readings.add(window.inDateOrder);
    }
    // Windows read both ways: in date order (the most common words), and through both indexes ANDed.
    assert.deepEqual([...readings].sort(), [false, true]);
    // The table is not vacuous: the pages hold hits, and Bob's and the trashed chat's messages are never among them.
    assert.equal((await expected(searchOf('alpha'))).length, 10);
    assert.equal((await expected(searchOf('delta'))).length, 10);
  });

  test('the window starts where the newest share of the dates begins, within the filters', () => {
    const bounds = [0, 100, 200, 300, 400];
    const CASES_: Array<[number, number | undefined, number | undefined, number]> = [
      [0.25, undefined, undefined, 300],
      [0.5, undefined, undefined, 200],
      [0.1, undefined, undefined, 360],
      [1, undefined, undefined, 0],
      [2, undefined, undefined, 0],
      [0.5, undefined, 200, 100],
      [0.5, 200, undefined, 300],
      [0.5, 100, 300, 200],
      [0.25, undefined, 1_000, 300],
      [0.5, -50, 50, 25],
    ];
    for (const [share, from, to, start] of CASES_) assert.equal(dateOfNewestShare(bounds, share, from, to), start, JSON.stringify([share, from, to]));
  });
});
