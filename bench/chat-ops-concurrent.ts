/**
 * The save path under many users: BENCH_USERS (default 100) clients, each appending to a chat of its own one op at a
 * time (the next sent when the last is acknowledged), against the bundled server in its own process (SQLite file,
 * synchronous=FULL). Counts durable appends acknowledged per second and their round trips over BENCH_SECONDS
 * (default 5) after a 1 s warm-up, with the CPU the server and this load generator used (both share the machine).
 * Goal (issue 15): ≥ 2,500 appends/s with p99 < 50 ms at 100 users.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { TestClient } from '../test/support/http-client.js';
import { makeCard } from '../test/support/fixtures.js';
import { buildIfNeeded, startParleyProcess } from './server-process.js';
import { median, printTable } from './stats.js';

const USERS = Number(process.env.BENCH_USERS ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARM_UP_MS = 1000;
const TEXT = 'The forest hums with quiet magic as lanterns drift between the ancient trees, '.repeat(5).slice(0, 400);

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
function processCpuS(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export async function run() {
  buildIfNeeded();
  const server = await startParleyProcess();
  const client = new TestClient(server.url);
  const agent = new Agent({ keepAlive: true, maxSockets: USERS });
  const { port } = new URL(server.url);
  try {
    await client.session();
    const character = await client.post('/api/characters', { card: makeCard() });
    const chatIds: string[] = [];
    for (let i = 0; i < USERS; i++) chatIds.push((await client.post('/api/chats', { characterId: character.body.id })).body.id);
    const headers = { cookie: client.cookieHeader, 'x-csrf-token': client.csrfToken!, 'content-type': 'application/json' };

    const append = (chatId: string) =>
      new Promise<void>((resolve, reject) => {
        const body = JSON.stringify({
          ops: [{ opId: randomUUID(), type: 'append', message: { id: randomUUID(), role: 'user', name: 'User', content: TEXT } }],
        });
        const req = request({ host: '127.0.0.1', port, path: `/api/chats/${chatId}/ops`, method: 'POST', headers, agent }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () =>
            res.statusCode === 200 && JSON.parse(text).results[0].status === 'applied'
              ? resolve()
              : reject(new Error(`append failed: ${res.statusCode} ${text}`)),
          );
        });
        req.on('error', reject);
        req.end(body);
      });

    const started = performance.now();
    const measureFrom = started + WARM_UP_MS;
    const until = measureFrom + SECONDS * 1000;
    const latencies: number[] = [];
    let serverCpu = 0;
    let ownCpu = process.cpuUsage();
    const load = loadavg()[0]!;
    setTimeout(() => {
      serverCpu = processCpuS(server.pid);
      ownCpu = process.cpuUsage();
    }, WARM_UP_MS);
    await Promise.all(
      chatIds.map(async (chatId) => {
        for (let t = performance.now(); t < until; t = performance.now()) {
          await append(chatId);
          if (t >= measureFrom) latencies.push(performance.now() - t);
        }
      }),
    );
    const elapsedS = (performance.now() - measureFrom) / 1000;
    serverCpu = processCpuS(server.pid) - serverCpu;
    const own = process.cpuUsage(ownCpu);
    const sorted = latencies.sort((a, b) => a - b);
    const p99 = sorted[Math.floor(sorted.length * 0.99)]!;
    const rate = latencies.length / elapsedS;
    printTable(
      `Concurrent appends (${USERS} users, ${SECONDS} s, ${cpus().length} cores, load average ${load.toFixed(1)} before)`,
      ['appends/s', 'median ms', 'p99 ms', 'max ms', 'server CPU', 'generator CPU'],
      [
        [
          rate.toFixed(0),
          median(sorted).toFixed(1),
          p99.toFixed(1),
          sorted.at(-1)!.toFixed(1),
          `${((serverCpu / elapsedS) * 100).toFixed(0)}%`,
          `${(((own.user + own.system) / 1e6 / elapsedS) * 100).toFixed(0)}%`,
        ],
      ],
    );
    console.log(`goal: ≥ 2,500 appends/s with p99 < 50 ms at 100 users — ${rate >= 2500 && p99 < 50 ? 'met' : 'not met'}`);
  } finally {
    agent.destroy();
    await server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
