/**
 * The save path under many users: BENCH_USERS (default 100) clients, each appending to a chat of its own one op at a
 * time (the next sent when the last is acknowledged), against the bundled server in its own process. Counts durable
 * appends acknowledged per second and their round trips over BENCH_SECONDS (default 5) after a 1 s warm-up, with
 * the CPU the servers, PostgreSQL's backends serving them and this load generator used (all share the machine), and
 * the servers' and database's CPU per append (what the load of other work on the machine moves least). Two set-ups: one node on SQLite
 * (synchronous=FULL), and two nodes on one PostgreSQL database with the users' chats split between them
 * (`BENCH_OPS_POSTGRES=0` skips it; skipped too when PostgreSQL does not answer), over loopback TCP and, when PostgreSQL's
 * socket directory is here (`BENCH_OPS_POSTGRES_SOCKET`, default /var/run/postgresql), over its Unix socket too.
 * `BENCH_OPS_SQLITE=0` skips the SQLite row. The servers run with `--trace-gc`: their scavenges and mark-compacts per
 * 1,000 appends (what the bytes allocated per append move, steadier than the peak RSS).
 * Goals (issue 15): SQLite ≥ 2,500 appends/s with p99 < 50 ms at 100 users; PostgreSQL, two nodes, ≥ 1,500/s with
 * p99 < 100 ms.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { TestClient } from '../test/support/http-client.js';
import { makeCard } from '../test/support/fixtures.js';
import { createPostgresSchema, postgresUnavailable } from '../test/support/postgres.js';
import { keepAliveClient, type KeepAliveClient } from './keep-alive-client.js';
import { buildIfNeeded, processCpuS, startParleyProcess, type ParleyProcess } from './server-process.js';
import { median, printTable } from './stats.js';

const USERS = Number(process.env.BENCH_USERS ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const WARM_UP_MS = 1000;
/** PostgreSQL's Unix socket directory: the nodes are measured over it too, when it exists ('' to skip). */
const SOCKET_DIR = process.env.BENCH_OPS_POSTGRES_SOCKET ?? '/var/run/postgresql';
const TEXT = 'The forest hums with quiet magic as lanterns drift between the ancient trees, '.repeat(5).slice(0, 400);

/** A process's peak resident memory so far (VmHWM), in MB: what the server took under the load (goal < 150 MB). */
function peakRssMb(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(match[1]) / 1024;
}

interface Goal {
  rate: number;
  p99: number;
}

/** CPU seconds of the processes a set-up's database runs in (none for SQLite: it is the server's own). */
type DatabaseCpu = () => Promise<number>;

/** The PostgreSQL backends serving connections named `applicationName` (when PostgreSQL runs on this machine). */
function postgresBackendsCpu(url: string, applicationName: string): DatabaseCpu {
  return async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
      return rows.reduce((sum, { pid }) => {
        try {
          return sum + processCpuS(pid);
        } catch {
          return sum; // a backend on another machine, or gone meanwhile
        }
      }, 0);
    } finally {
      await client.end();
    }
  };
}

/** USERS chats, chat i on node i mod n (one session: the nodes share it through the database); a row of figures. */
async function measure(nodes: ParleyProcess[], goal: Goal, databaseCpu: DatabaseCpu = async () => 0): Promise<string[]> {
  const client = new TestClient(nodes[0]!.url);
  let http: KeepAliveClient | undefined;
  try {
    await client.session();
    const character = await client.post('/api/characters', { card: makeCard() });
    const chats: Array<{ id: string; port: string }> = [];
    for (let i = 0; i < USERS; i++) {
      const id = (await client.post('/api/chats', { characterId: character.body.id })).body.id as string;
      chats.push({ id, port: new URL(nodes[i % nodes.length]!.url).port });
    }
    const headers = { cookie: client.cookieHeader, 'x-csrf-token': client.csrfToken!, 'content-type': 'application/json' };
    http = keepAliveClient(headers, USERS);

    const append = async (chat: { id: string; port: string }) => {
      const body = JSON.stringify({
        ops: [{ opId: randomUUID(), type: 'append', message: { id: randomUUID(), role: 'user', name: 'User', content: TEXT } }],
      });
      const answer = await http!.send('POST', `http://127.0.0.1:${chat.port}/api/chats/${chat.id}/ops`, body);
      if (answer.status !== 200 || JSON.parse(answer.text).results[0].status !== 'applied') {
        throw new Error(`append failed: ${answer.status} ${answer.text}`);
      }
    };

    const started = performance.now();
    const measureFrom = started + WARM_UP_MS;
    const until = measureFrom + SECONDS * 1000;
    const latencies: number[] = [];
    const serversCpu = () => nodes.reduce((sum, node) => sum + processCpuS(node.pid), 0);
    const serversGc = () =>
      nodes.reduce((sum, node) => {
        const { scavenges, markCompacts } = node.gcCounts();
        return { scavenges: sum.scavenges + scavenges, markCompacts: sum.markCompacts + markCompacts };
      }, { scavenges: 0, markCompacts: 0 });
    let serverCpu = 0;
    let gcAtStart = serversGc();
    let dbCpu = Promise.resolve(0);
    let ownCpu = process.cpuUsage();
    setTimeout(() => {
      serverCpu = serversCpu();
      gcAtStart = serversGc();
      dbCpu = databaseCpu();
      ownCpu = process.cpuUsage();
    }, WARM_UP_MS);
    await Promise.all(
      chats.map(async (chat) => {
        for (let t = performance.now(); t < until; t = performance.now()) {
          await append(chat);
          if (t >= measureFrom) latencies.push(performance.now() - t);
        }
      }),
    );
    const elapsedS = (performance.now() - measureFrom) / 1000;
    serverCpu = serversCpu() - serverCpu;
    const databaseCpuS = (await databaseCpu()) - (await dbCpu);
    const own = process.cpuUsage(ownCpu);
    const peakMb = Math.max(...nodes.map((node) => peakRssMb(node.pid)));
    const gc = serversGc();
    const perThousand = (count: number) => ((count * 1000) / latencies.length).toFixed(1);
    const sorted = latencies.sort((a, b) => a - b);
    const p99 = sorted[Math.floor(sorted.length * 0.99)]!;
    const rate = latencies.length / elapsedS;
    return [
      rate.toFixed(0),
      median(sorted).toFixed(1),
      p99.toFixed(1),
      sorted.at(-1)!.toFixed(1),
      `${((serverCpu / elapsedS) * 100).toFixed(0)}%`,
      `${((databaseCpuS / elapsedS) * 100).toFixed(0)}%`,
      (((serverCpu + databaseCpuS) * 1000) / latencies.length).toFixed(2),
      `${(((own.user + own.system) / 1e6 / elapsedS) * 100).toFixed(0)}%`,
      peakMb.toFixed(0),
      `${perThousand(gc.scavenges - gcAtStart.scavenges)} / ${perThousand(gc.markCompacts - gcAtStart.markCompacts)}`,
      `≥ ${goal.rate.toLocaleString('en')}/s, p99 < ${goal.p99} ms: ${rate >= goal.rate && p99 < goal.p99 ? 'met' : 'not met'}`,
    ];
  } finally {
    http?.close();
  }
}

export async function run() {
  buildIfNeeded();
  const load = loadavg()[0]!;
  const rows: string[][] = [];
  if (process.env.BENCH_OPS_SQLITE !== '0') {
    const sqlite = await startParleyProcess(undefined, { traceGc: true });
    try {
      rows.push(['SQLite, 1 node', ...(await measure([sqlite], { rate: 2500, p99: 50 }))]);
    } finally {
      await sqlite.close();
    }
  }
  const skip = process.env.BENCH_OPS_POSTGRES === '0' ? 'BENCH_OPS_POSTGRES=0' : await postgresUnavailable();
  if (skip) console.log(`PostgreSQL skipped: ${skip}`);
  else {
    // Loopback TCP, and (nodes on the database's machine) its Unix socket: a deployment's choice, both measured.
    const transports: Array<[string, string | undefined]> = [['TCP', undefined]];
    if (SOCKET_DIR && existsSync(SOCKET_DIR)) transports.push(['Unix socket', SOCKET_DIR]);
    for (const [transport, socketDir] of transports) {
      const schema = await createPostgresSchema();
      // The nodes' connections carry a name of this run, by which their backends' CPU is found.
      const applicationName = `parley-bench-${randomUUID().slice(0, 8)}`;
      const url = new URL(schema.url);
      url.searchParams.set('application_name', applicationName);
      // pg takes a socket directory as the `host` parameter, in place of the URL's host and port.
      if (socketDir) url.searchParams.set('host', socketDir);
      const nodes: ParleyProcess[] = [];
      try {
        // One after the other: the first migrates the schema.
        for (let i = 0; i < 2; i++) nodes.push(await startParleyProcess({ database: { url: url.toString() } }, { traceGc: true }));
        const figures = await measure(nodes, { rate: 1500, p99: 100 }, postgresBackendsCpu(schema.url, applicationName));
        rows.push([`PostgreSQL, 2 nodes, ${transport}`, ...figures]);
      } finally {
        for (const node of nodes) await node.close();
        await schema.drop();
      }
    }
  }
  printTable(
    `Concurrent appends (${USERS} users, ${SECONDS} s, ${cpus().length} cores, load average ${load.toFixed(1)} before)`,
    ['set-up', 'appends/s', 'median ms', 'p99 ms', 'max ms', 'server CPU', 'database CPU', 'CPU ms/append', 'generator CPU', 'server peak RSS MB', 'GCs per 1k appends (scavenge / mark-compact)', 'goal'],
    rows,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
