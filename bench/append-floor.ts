/**
 * The floor for a save's round trip: a bare `node:http` server with better-sqlite3, in a process of its own, on
 * the same disk and settings as Parley's (WAL, synchronous=FULL). It takes Parley's append body, inserts the
 * message in a transaction of its own and answers in JSON; `GET /newest` answers the newest 100 rows. No session,
 * validation, op log or notices: what any server must spend on the round trip, the parse and one durable commit.
 * Run as a script, it listens on the port given in argv[2] with its database in the folder given in argv[3].
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { freePort, healthy, stop, type ParleyProcess } from './server-process.js';

const START_DEADLINE_MS = 15_000;

export async function startAppendFloor(): Promise<Omit<ParleyProcess, 'gcCounts'>> {
  const data = mkdtempSync(join(tmpdir(), 'parley-floor-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), String(port), data], { stdio: 'inherit' });
  const close = async () => {
    await stop(child);
    rmSync(data, { recursive: true, force: true });
  };
  const started = Date.now();
  while (!(await healthy(port))) {
    if (child.exitCode !== null || Date.now() - started > START_DEADLINE_MS) {
      await close();
      throw new Error('the floor server did not start');
    }
    await sleep(20);
  }
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, close };
}

function serve(port: number, folder: string) {
  const db = new Database(join(folder, 'floor.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE messages (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, role TEXT, name TEXT, content TEXT)');
  const insert = db.prepare('INSERT INTO messages (id, role, name, content) VALUES (?, ?, ?, ?)');
  const newest = db.prepare('SELECT * FROM messages ORDER BY seq DESC LIMIT 100');
  const append = db.transaction((m: { id: string; role: string; name: string; content: string }) => insert.run(m.id, m.role, m.name, m.content));
  // A full newest page from the first request on.
  for (let i = 0; i < 100; i++) append({ id: `seed-${i}`, role: 'user', name: 'User', content: 'x'.repeat(400) });
  createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      let answer: unknown = { ok: true };
      if (req.method === 'POST') {
        const { ops } = JSON.parse(body) as { ops: Array<{ message: { id: string; role: string; name: string; content: string } }> };
        append(ops[0]!.message);
        answer = { results: [{ status: 'applied' }] };
      } else if (req.url === '/newest') answer = { messages: newest.all() };
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer));
    });
  }).listen(Number(port), '127.0.0.1');
}

if (import.meta.url === `file://${process.argv[1]}`) serve(Number(process.argv[2]), process.argv[3]!);
