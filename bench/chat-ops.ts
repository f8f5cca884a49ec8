/**
 * The save path's cost against chat length: round trip of one append op, and of loading the newest 100
 * messages, on chats of 100 … 100,000 messages of ~400 bytes. The goal is flat (100,000 within 1.5x of 100) and,
 * issue 15, an append in ≤ 1.0 ms. The chats are seeded through the store, then the bundle `npm start` runs serves
 * them in a process of its own (SQLite file, synchronous=FULL), read by a lean kept-alive node:http client; a bare
 * node:http + better-sqlite3 server (`append-floor.ts`) takes the same appends in turn, as the floor. The servers'
 * CPU per round (append + page) is printed beside this process's own, since all of them share the machine.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { TestClient } from '../test/support/http-client.js';
import { makeCard } from '../test/support/fixtures.js';
import { startTestServer, tempDir } from '../test/support/test-server.js';
import { startAppendFloor } from './append-floor.js';
import { keepAliveClient } from './keep-alive-client.js';
import { seedMessages } from './seed-messages.js';
import { buildIfNeeded, processCpuS, startParleyProcess } from './server-process.js';
import { median, printTable } from './stats.js';

const LENGTHS = [100, 1_000, 10_000, 50_000, 100_000];
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 200);
/** Round trips before the measured ones, so both servers' code is compiled by V8's optimizing tier. */
const WARM_UP = 300;
const TEXT = 'The forest hums with quiet magic as lanterns drift between the ancient trees, '.repeat(5).slice(0, 400);

interface Target {
  label: string;
  appendUrl: string;
  pageUrl: string;
  append: number[];
  page: number[];
}

/** Seeds the chats in a data folder through the store (the ops endpoint would take minutes for 100,000). */
async function seed(dataDir: string) {
  const server = await startTestServer({ dataDir, config: { logLevel: 'warn' } });
  const client = new TestClient(server.url);
  try {
    await client.session();
    const character = await client.post('/api/characters', { card: makeCard() });
    const chats: string[] = [];
    for (const length of LENGTHS) {
      const chat = await client.post('/api/chats', { characterId: character.body.id });
      await seedMessages(server.store, chat.body.id, length, () => TEXT);
      chats.push(chat.body.id);
    }
    // The session stays valid across the restart: it lives in the database.
    return { chats, headers: { cookie: client.cookieHeader, 'x-csrf-token': client.csrfToken!, 'content-type': 'application/json' } };
  } finally {
    await server.stop();
  }
}

export async function run() {
  buildIfNeeded();
  const dataDir = tempDir('parley-bench-');
  const { chats, headers } = await seed(dataDir);
  const parley = await startParleyProcess(undefined, { dataDir });
  const floor = await startAppendFloor();
  const http = keepAliveClient(headers);
  try {
    const targets: Target[] = [
      ...chats.map((id, i) => ({
        label: `Parley, ${LENGTHS[i]!.toLocaleString('en')} messages`,
        appendUrl: `${parley.url}/api/chats/${id}/ops`,
        pageUrl: `${parley.url}/api/chats/${id}/messages?limit=100`,
        append: [],
        page: [],
      })),
      { label: 'floor: bare node:http + SQLite', appendUrl: `${floor.url}/append`, pageUrl: `${floor.url}/newest`, append: [], page: [] },
    ];
    const appendOnce = async (target: Target) => {
      const body = JSON.stringify({ ops: [{ opId: randomUUID(), type: 'append', message: { id: randomUUID(), role: 'user', name: 'User', content: TEXT } }] });
      const t = performance.now();
      const answer = await http.send('POST', target.appendUrl, body);
      const ms = performance.now() - t;
      if (answer.status !== 200 || JSON.parse(answer.text).results?.[0]?.status !== 'applied') {
        throw new Error(`append failed: ${answer.status} ${answer.text}`);
      }
      return ms;
    };
    const pageOnce = async (target: Target) => {
      const t = performance.now();
      const answer = await http.send('GET', target.pageUrl);
      const ms = performance.now() - t;
      if (answer.status !== 200 || JSON.parse(answer.text).messages.length !== 100) throw new Error(`page failed: ${answer.status}`);
      return ms;
    };
    for (let i = 0; i < WARM_UP; i++) {
      for (const target of targets) {
        await appendOnce(target);
        await pageOnce(target);
      }
    }
    const load = loadavg()[0]!;
    const cpuBefore = { parley: processCpuS(parley.pid), floor: processCpuS(floor.pid), own: process.cpuUsage() };
    // The targets take turns each round, so a burst of load elsewhere on the machine hits all of them alike.
    const deadline = Date.now() + 120_000;
    let rounds = 0;
    for (; rounds < ROUNDS && Date.now() < deadline; rounds++) {
      for (const target of targets) {
        target.append.push(await appendOnce(target));
        target.page.push(await pageOnce(target));
      }
    }
    const own = process.cpuUsage(cpuBefore.own);
    const perRound = (cpuS: number, targetCount: number) => ((cpuS * 1000) / (rounds * targetCount)).toFixed(2);
    printTable(
      `Chat save path (median round trip over loopback, ms; ${cpus().length} cores, load average ${load.toFixed(1)})`,
      ['server', 'rounds', 'append 1 op', 'newest 100'],
      targets.map((t) => [t.label, t.append.length.toString(), median(t.append).toFixed(2), median(t.page).toFixed(2)]),
    );
    const [first, last, bare] = [targets[0]!, targets[LENGTHS.length - 1]!, targets.at(-1)!];
    const parleyAppends = median(targets.slice(0, LENGTHS.length).flatMap((t) => t.append));
    console.log(
      `ratio ${LENGTHS.at(-1)!.toLocaleString('en')} / ${LENGTHS[0]}: append ${(median(last.append) / median(first.append)).toFixed(2)}x, ` +
        `newest page ${(median(last.page) / median(first.page)).toFixed(2)}x (goal: within 1.5x); ` +
        `append at every length ${parleyAppends.toFixed(2)} ms, +${(parleyAppends - median(bare.append)).toFixed(2)} ms over the floor (goal ≤ 1.0 ms in all, issue 15)`,
    );
    console.log(
      `CPU per round (append + page), ms: Parley ${perRound(processCpuS(parley.pid) - cpuBefore.parley, LENGTHS.length)}, ` +
        `floor ${perRound(processCpuS(floor.pid) - cpuBefore.floor, 1)}, this client ${perRound((own.user + own.system) / 1e6, targets.length)}`,
    );
  } finally {
    http.close();
    await parley.close();
    await floor.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
