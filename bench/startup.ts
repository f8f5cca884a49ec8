/**
 * Startup cost: time from spawning the server to its first 200 on /healthz, and its resident memory (VmRSS) after
 * ~1 s idle. Measures the bundle `npm start` runs (dist/server/parley.js), tsc's unbundled output for comparison,
 * and a bare Node HTTP server as the floor. Each round runs every target once, so load from other processes on the
 * machine spreads evenly. SillyTavern on this machine: 0.8-1.1 s and 123-158 MB. Goal: under 0.5 s and 80 MB.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildIfNeeded, freePort, healthy, ROOT, stop } from './server-process.js';
import { median, printTable } from './stats.js';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 15);
const IDLE_MS = 1000;
/** V8 shrinks the heap some 20 s into idleness; a few runs show where memory settles. */
const SETTLED_RUNS = Number(process.env.BENCH_STARTUP_SETTLED_RUNS ?? 3);
const SETTLED_IDLE_MS = 30_000;
const START_DEADLINE_MS = 15_000;
const POLL_MS = 5;
const GOAL_MS = 500;
const GOAL_MB = 80;

interface Target {
  label: string;
  /** node arguments for a server on `port` keeping its data in `data`. */
  args(port: number, data: string): string[];
  /** A new data folder every run (first start: config written, database created and migrated). */
  freshData?: boolean;
  /** How long it idles before its memory is read (default IDLE_MS), and in how many rounds it runs. */
  idleMs?: number;
  runs?: number;
}

const FLOOR_SERVER = "require('node:http').createServer((q, s) => s.end('ok')).listen(Number(process.argv[1]), '127.0.0.1')";
const serve = (entry: string) => (port: number, data: string) =>
  [join(ROOT, entry), 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', data];

const TARGETS: Target[] = [
  { label: 'parley (bundle), existing data', args: serve('dist/server/parley.js') },
  { label: 'parley (bundle), first start', args: serve('dist/server/parley.js'), freshData: true },
  { label: 'parley (bundle), after 30 s idle', args: serve('dist/server/parley.js'), idleMs: SETTLED_IDLE_MS, runs: SETTLED_RUNS },
  { label: 'parley (tsc output, unbundled)', args: serve('dist/server/main.js') },
  { label: 'bare node:http server (floor)', args: (port) => ['-e', FLOOR_SERVER, String(port)] },
];

interface Sample {
  ms: number;
  /** CPU time the server used until it answered: unlike wall time, other load on the machine barely moves it. */
  cpuMs: number;
  mb: number;
}

/** utime + stime from /proc/<pid>/stat, in clock ticks of 10 ms (USER_HZ is 100 on Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

async function measure(target: Target, data: string): Promise<Sample> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, target.args(port, data), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  try {
    while (!(await healthy(port))) {
      if (child.exitCode !== null) throw new Error(`${target.label} exited with ${child.exitCode}: ${stderr}`);
      if (performance.now() - started > START_DEADLINE_MS) throw new Error(`${target.label} not healthy in 15 s: ${stderr}`);
      await sleep(POLL_MS);
    }
    const ms = performance.now() - started;
    const cpu = cpuMs(child.pid!);
    await sleep(target.idleMs ?? IDLE_MS);
    return { ms, cpuMs: cpu, mb: rssMb(child.pid!) };
  } finally {
    await stop(child);
  }
}

export async function run() {
  buildIfNeeded();

  const workDir = mkdtempSync(join(tmpdir(), 'parley-bench-startup-'));
  const samples = new Map<Target, Sample[]>(TARGETS.map((t) => [t, []]));
  try {
    const shared = join(workDir, 'data');
    await measure(TARGETS[0]!, shared); // warm-up: creates the shared data folder, fills the OS file cache
    for (let round = 0; round < RUNS; round++) {
      for (const target of TARGETS) {
        if (round >= (target.runs ?? RUNS)) continue;
        const data = target.freshData ? mkdtempSync(join(workDir, 'fresh-')) : shared;
        samples.get(target)!.push(await measure(target, data));
        if (target.freshData) rmSync(data, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }

  const rows = TARGETS.map((target) => {
    const ms = samples.get(target)!.map((s) => s.ms);
    const cpu = samples.get(target)!.map((s) => s.cpuMs);
    const mb = samples.get(target)!.map((s) => s.mb);
    return [
      target.label,
      String(ms.length),
      median(ms).toFixed(0),
      `${Math.min(...ms).toFixed(0)}-${Math.max(...ms).toFixed(0)}`,
      median(cpu).toFixed(0),
      median(mb).toFixed(1),
      `${Math.min(...mb).toFixed(1)}-${Math.max(...mb).toFixed(1)}`,
    ];
  });
  printTable(
    'Startup: spawn to first 200 on /healthz, and RSS after 1 s idle (30 s where said)',
    ['target', 'runs', 'start ms (median)', 'min-max', 'CPU ms', 'RSS MB (median)', 'min-max'],
    rows,
  );
  const bundle = samples.get(TARGETS[0]!)!;
  const ms = median(bundle.map((s) => s.ms));
  const mb = median(bundle.map((s) => s.mb));
  console.log(`load average while measuring: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores (wall time grows with it)`);
  console.log(
    `goal: under ${GOAL_MS} ms and ${GOAL_MB} MB — start ${ms.toFixed(0)} ms ${ms < GOAL_MS ? 'meets' : 'MISSES'} it, ` +
      `RSS ${mb.toFixed(1)} MB ${mb < GOAL_MB ? 'meets' : 'MISSES'} it (SillyTavern here: 0.8-1.1 s, 123-158 MB)`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
