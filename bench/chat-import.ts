/**
 * Import time of a 50,000-message SillyTavern JSONL (~400-byte messages, every tenth with a swipe) through
 * POST /api/chats/import on the real server (SQLite file, synchronous=FULL) over loopback: from the first
 * byte sent to the 201. Median of BENCH_IMPORT_RUNS runs (default 5); each run's chat is deleted after it.
 */
import { loadavg } from 'node:os';
import { TestClient } from '../test/support/http-client.js';
import { makeCard } from '../test/support/fixtures.js';
import { startTestServer } from '../test/support/test-server.js';
import { median, printTable } from './stats.js';

const MESSAGES = 50_000;
const RUNS = Number(process.env.BENCH_IMPORT_RUNS ?? 5);
const TEXT = 'The forest hums with quiet magic as lanterns drift between the ancient trees, '.repeat(6).slice(0, 400);

function chatFile(): Buffer {
  const lines = [JSON.stringify({ user_name: 'unused', character_name: 'unused', create_date: '2024-09-28@01h02m03s', chat_metadata: { integrity: 'bench' } })];
  const start = Date.UTC(2024, 8, 28);
  for (let i = 0; i < MESSAGES; i++) {
    const isUser = i % 2 === 1;
    const message: Record<string, unknown> = {
      name: isUser ? 'User' : 'Seraphina',
      is_user: isUser,
      is_system: false,
      send_date: new Date(start + i * 60_000).toISOString(),
      mes: TEXT,
      extra: isUser ? {} : { api: 'openai', model: 'gpt-4o', token_count: 96 },
    };
    if (!isUser && i % 10 === 0) {
      message.swipes = [TEXT, `${TEXT.slice(0, 200)} (another take)`];
      message.swipe_id = 0;
      message.swipe_info = [{ send_date: message.send_date, extra: {} }, { send_date: message.send_date, extra: {} }];
    }
    lines.push(JSON.stringify(message));
  }
  return Buffer.from(lines.join('\n'));
}

export async function run() {
  const server = await startTestServer({ config: { logLevel: 'warn' } });
  const client = new TestClient(server.url);
  try {
    await client.session();
    const character = await client.post('/api/characters', { card: makeCard() });
    const file = chatFile();
    const times: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(file)], { type: 'application/jsonl' }), 'Seraphina - bench.jsonl');
      const t = performance.now();
      const used = process.cpuUsage();
      const reply = await client.post(`/api/chats/import?characterId=${character.body.id}`, form);
      times.push(performance.now() - t);
      // The server runs in this process: its CPU time (the upload's share is small) moves far less with load.
      const { user, system } = process.cpuUsage(used);
      cpu.push((user + system) / 1000);
      if (reply.status !== 201 || reply.body.imported !== MESSAGES) {
        throw new Error(`import failed: ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`);
      }
      await client.delete(`/api/chats/${reply.body.id}`);
    }
    const seconds = median(times) / 1000;
    printTable(
      'Chat import through POST /api/chats/import (real server, loopback)',
      ['messages', 'file MB', 'runs', 'median s', 'min s', 'max s', 'CPU s', 'messages/s', 'load avg'],
      [[
        MESSAGES.toLocaleString('en'),
        (file.byteLength / 1e6).toFixed(1),
        String(times.length),
        seconds.toFixed(2),
        (Math.min(...times) / 1000).toFixed(2),
        (Math.max(...times) / 1000).toFixed(2),
        (median(cpu) / 1000).toFixed(2),
        Math.round(MESSAGES / seconds).toLocaleString('en'),
        loadavg()[0]!.toFixed(1),
      ]],
    );
  } finally {
    await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
