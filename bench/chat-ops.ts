/**
 * The save path's cost against chat length: round trip of one append op, and of loading the newest 100
 * messages, on chats of 100 … 100,000 messages of ~400 bytes. The goal is flat: 100,000 within 1.5x of 100.
 * Runs the real server (SQLite file, synchronous=FULL) on loopback; chats are seeded through the store.
 */
import { randomUUID } from 'node:crypto';
import { TestClient } from '../test/support/http-client.js';
import { makeCard } from '../test/support/fixtures.js';
import { startTestServer } from '../test/support/test-server.js';
import { seedMessages } from './seed-messages.js';
import { median, printTable } from './stats.js';

const LENGTHS = [100, 1_000, 10_000, 50_000, 100_000];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
const TEXT = 'The forest hums with quiet magic as lanterns drift between the ancient trees, '.repeat(5).slice(0, 400);

export async function run() {
  const server = await startTestServer({ config: { logLevel: 'warn' } });
  const client = new TestClient(server.url);
  try {
    await client.session();
    const character = await client.post('/api/characters', { card: makeCard() });
    const chats: Array<{ length: number; id: string; append: number[]; page: number[] }> = [];
    for (const length of LENGTHS) {
      const chat = await client.post('/api/chats', { characterId: character.body.id });
      await seedMessages(server.store, chat.body.id, length, () => TEXT);
      chats.push({ length, id: chat.body.id, append: [], page: [] });
    }
    // The lengths take turns each round, so a burst of load elsewhere on the machine hits all of them alike.
    const deadline = Date.now() + 120_000;
    for (let i = 0; i < ROUNDS && Date.now() < deadline; i++) {
      for (const chat of chats) {
        const op = { opId: randomUUID(), type: 'append', message: { id: randomUUID(), role: 'user', name: 'User', content: TEXT } };
        let t = performance.now();
        const reply = await client.post(`/api/chats/${chat.id}/ops`, { ops: [op] });
        chat.append.push(performance.now() - t);
        if (reply.body.results?.[0]?.status !== 'applied') throw new Error(`append failed: ${JSON.stringify(reply.body)}`);
        t = performance.now();
        const page = await client.get(`/api/chats/${chat.id}/messages?limit=100`);
        chat.page.push(performance.now() - t);
        if (page.body.messages.length !== 100) throw new Error('page did not hold 100 messages');
      }
    }
    const results: Record<number, { append: number; page: number }> = {};
    const rows = chats.map((chat) => {
      results[chat.length] = { append: median(chat.append), page: median(chat.page) };
      return [chat.length.toLocaleString('en'), chat.append.length.toString(), ms(results[chat.length]!.append), ms(results[chat.length]!.page)];
    });
    const first = results[LENGTHS[0]!]!;
    const last = results[LENGTHS.at(-1)!]!;
    printTable(
      'Chat save path (median round trip over loopback, ms)',
      ['messages in chat', 'rounds', 'append 1 op', 'newest 100'],
      rows,
    );
    console.log(
      `ratio ${LENGTHS.at(-1)!.toLocaleString('en')} / ${LENGTHS[0]}: append ${(last.append / first.append).toFixed(2)}x, ` +
        `newest page ${(last.page / first.page).toFixed(2)}x (goal: within 1.5x; append under 3 ms)`,
    );
  } finally {
    await server.close();
  }
}

const ms = (v: number) => v.toFixed(2);

if (import.meta.url === `file://${process.argv[1]}`) await run();
