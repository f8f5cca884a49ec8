/**
 * Search across every chat: the round trip of `GET /api/search` over 1,000,000 messages (100 chats of 10,000,
 * ~70 words each drawn by Zipf's law from a 50,000-word vocabulary), on SQLite and, when it answers, PostgreSQL.
 * The messages are written straight through the store in bulk (the HTTP path would take an hour), so the index is
 * built by the same triggers / generated column that keep it during use. Queries are grouped by how common their
 * words are: a word in 40% of all messages is a search no one makes twice, a rare one is the usual case.
 * Statistics are gathered (ANALYZE) after the bulk load, as autovacuum would have by then.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { MessageRecord } from '../src/server/store/chats-repository.js';
import { makeCard } from '../test/support/fixtures.js';
import { TestClient } from '../test/support/http-client.js';
import { createPostgresSchema, postgresUnavailable } from '../test/support/postgres.js';
import { startTestServer, tempDir, type TestServer } from '../test/support/test-server.js';
import { Corpus } from './search-corpus.js';
import { median, printTable } from './stats.js';

const MESSAGES = Number(process.env.BENCH_SEARCH_MESSAGES ?? 1_000_000);
const CHATS = 100;
const CHARACTERS = 10;
const WORDS_PER_MESSAGE = 70;
const RUNS = Number(process.env.BENCH_SEARCH_RUNS ?? 7);
const BATCH = 5_000;
const YEAR_MS = 365 * 86_400_000;
const GOAL_MS = 50;

interface QueryClass {
  name: string;
  queries: (corpus: Corpus) => Array<Record<string, string>>;
}

const ranks = (from: number, count: number, step: number) => Array.from({ length: count }, (_, i) => from + i * step);

const CLASSES: QueryClass[] = [
  { name: 'rare word (~0.05% of messages)', queries: (c) => ranks(10_000, 5, 1_013).map((r) => ({ q: c.words[r]! })) },
  { name: 'uncommon word (~0.5%)', queries: (c) => ranks(1_000, 5, 97).map((r) => ({ q: c.words[r]! })) },
  { name: 'common word (~5%)', queries: (c) => ranks(100, 5, 11).map((r) => ({ q: c.words[r]! })) },
  { name: 'everyday word (~40%)', queries: (c) => ranks(8, 5, 1).map((r) => ({ q: c.words[r]! })) },
  { name: 'two words', queries: (c) => ranks(200, 5, 37).map((r) => ({ q: `${c.words[r]} ${c.words[r * 7]}` })) },
  { name: 'quoted two-word phrase', queries: (c) => ranks(20, 5, 3).map((r) => ({ q: `"${c.words[r]} ${c.words[r + 1]}"` })) },
  {
    name: 'uncommon word, one character',
    queries: (c) => ranks(1_000, 5, 97).map((r) => ({ q: c.words[r]!, characterId: '' })),
  },
  { name: 'uncommon word, role user', queries: (c) => ranks(1_000, 5, 97).map((r) => ({ q: c.words[r]!, role: 'user' })) },
];

async function seed(server: TestServer, client: TestClient, corpus: Corpus): Promise<{ characterId: string; seconds: number }> {
  const characterIds: string[] = [];
  for (let i = 0; i < CHARACTERS; i++) {
    characterIds.push((await client.post('/api/characters', { card: makeCard({ name: `Character ${i}` }) })).body.id);
  }
  const perChat = Math.ceil(MESSAGES / CHATS);
  const started = performance.now();
  const now = Date.now();
  for (let chat = 0; chat < CHATS; chat++) {
    const created = await client.post('/api/chats', { characterId: characterIds[chat % CHARACTERS] });
    const chatId = created.body.id as string;
    for (let from = 0; from < perChat; from += BATCH) {
      const rows: MessageRecord[] = [];
      for (let seq = from; seq < Math.min(perChat, from + BATCH); seq++) {
        rows.push({
          seq: seq + 1,
          id: randomUUID(),
          role: seq % 2 ? 'user' : 'assistant',
          name: seq % 2 ? 'User' : 'Character',
          content: corpus.message(WORDS_PER_MESSAGE),
          swipes: [],
          swipeIndex: 0,
          extra: {},
          imported: null,
          status: 'complete',
          revision: 1,
          hidden: false,
          bookmarkedAt: null,
          // A year of chatting, oldest first.
          createdAt: now - YEAR_MS + Math.floor(((chat * perChat + seq) / MESSAGES) * YEAR_MS),
        });
      }
      await server.store.transaction((repos) => repos.chats.insertMessages(chatId, rows));
    }
    if ((chat + 1) % 10 === 0) console.log(`  seeded ${((chat + 1) * perChat).toLocaleString('en')} messages`);
  }
  // What autovacuum (PostgreSQL) or a later ANALYZE would have done by the time anyone searches a year of chats.
  await sql`ANALYZE`.execute(server.store.db);
  return { characterId: characterIds[0]!, seconds: (performance.now() - started) / 1000 };
}

async function measure(label: string, config: Record<string, unknown>): Promise<string[][]> {
  const server = await startTestServer({ config: { logLevel: 'warn', ...config } });
  const client = new TestClient(server.url);
  const rows: string[][] = [];
  try {
    await client.session();
    const corpus = new Corpus();
    const { characterId, seconds } = await seed(server, client, corpus);
    console.log(`  ${label}: ${MESSAGES.toLocaleString('en')} messages written and indexed in ${seconds.toFixed(0)} s ` +
      `(${Math.round(MESSAGES / seconds).toLocaleString('en')} messages/s)`);
    const all: number[] = [];
    const deadline = Date.now() + 600_000;
    for (const queryClass of CLASSES) {
      const times: number[] = [];
      let hits = 0;
      const queries = queryClass.queries(corpus).map((q) => ('characterId' in q ? { ...q, characterId } : q));
      for (let run = 0; run <= RUNS && Date.now() < deadline; run++) {
        for (const query of queries) {
          const started = performance.now();
          const reply = await client.get(`/api/search?${new URLSearchParams(query)}`);
          const elapsed = performance.now() - started;
          if (reply.status !== 200) throw new Error(`search ${JSON.stringify(query)}: ${reply.status} ${JSON.stringify(reply.body)}`);
          // The first round warms the page cache; it is not counted.
          if (run === 0) continue;
          times.push(elapsed);
          hits += reply.body.hits.length;
        }
      }
      all.push(...times);
      rows.push([label, queryClass.name, String(times.length), ms(median(times)), ms(Math.max(...times)), (hits / times.length).toFixed(1)]);
    }
    rows.push([label, 'every query above', String(all.length), ms(median(all)), ms(Math.max(...all)), '']);
  } finally {
    await server.close();
  }
  return rows;
}

export async function run() {
  const rows: string[][] = [];
  const dir = tempDir('parley-bench-search-');
  try {
    rows.push(...(await measure('SQLite', { database: { file: join(dir, 'parley.sqlite') } })));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const skip = process.env.BENCH_SEARCH_POSTGRES === '0' ? 'BENCH_SEARCH_POSTGRES=0' : await postgresUnavailable();
  if (skip) console.log(`  PostgreSQL not measured: ${skip}`);
  else {
    const schema = await createPostgresSchema();
    try {
      rows.push(...(await measure('PostgreSQL', { database: { url: schema.url } })));
    } finally {
      await schema.drop();
    }
  }
  printTable(
    `Search over ${MESSAGES.toLocaleString('en')} messages (GET /api/search round trip, 20 hits a page, ms)`,
    ['database', 'query', 'runs', 'median', 'max', 'hits'],
    rows,
  );
  console.log(`goal: median under ${GOAL_MS} ms for a query over 1,000,000 messages`);
}

const ms = (v: number) => v.toFixed(1);

if (import.meta.url === `file://${process.argv[1]}`) await run();
