/** Parley as it runs for users: the bundle `npm start` runs, in a process of its own, on a free loopback port. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
/** BENCH_BUNDLE: another build's bundle (e.g. a copy of the last commit's dist) to compare against in one sitting. */
export const BUNDLE = process.env.BENCH_BUNDLE ?? join(ROOT, 'dist/server/parley.js');
const START_DEADLINE_MS = 15_000;
/** e.g. BENCH_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the server under a benchmark. */
const SERVER_NODE_ARGS = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];

/** Builds when sources changed, so a benchmark measures what `npm start` would run now. */
export function buildIfNeeded(): void {
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build-if-needed.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed');
}

/** A port nobody listens on right now (the kernel picks it; we release it for the server). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/healthz', agent: false, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
export function processCpuS(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** SIGTERM, then SIGKILL if it has not exited within 5 s. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  if ((await Promise.race([exited, sleep(5000, 'timeout')])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

export interface ParleyProcess {
  url: string;
  pid: number;
  /** Garbage collections so far, by kind (counted from `--trace-gc` when started with `traceGc`; zero otherwise). */
  gcCounts(): GcCounts;
  /** Stops the server and removes its data folder (unless the caller gave it). */
  close(): Promise<void>;
}

export interface GcCounts {
  /** Young-generation collections. */
  scavenges: number;
  /** Full collections of the whole heap (each follows a round of incremental marking, or is forced). */
  markCompacts: number;
}

/**
 * Starts the bundled server and waits for its first 200 on /healthz. `config`: keys of its config.yaml (e.g.
 * `database.url` for PostgreSQL). `dataDir`: an existing data folder (e.g. one seeded through the store), which
 * the caller owns and removes; otherwise a fresh one, removed by `close()`. `traceGc`: run it with `--trace-gc` (one
 * line on stdout per collection, which is all it costs) and count its collections (ParleyProcess.gcCounts).
 */
export async function startParleyProcess(
  config?: Record<string, unknown>,
  { dataDir, traceGc = false }: { dataDir?: string; traceGc?: boolean } = {},
): Promise<ParleyProcess> {
  const data = dataDir ?? mkdtempSync(join(tmpdir(), 'parley-bench-'));
  if (config) writeFileSync(join(data, 'config.yaml'), JSON.stringify(config));
  const port = await freePort();
  const nodeArgs = [...SERVER_NODE_ARGS, ...(traceGc ? ['--trace-gc'] : [])];
  const child = spawn(process.execPath, [...nodeArgs, BUNDLE, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data', data], {
    stdio: ['ignore', traceGc ? 'pipe' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  const gc: GcCounts = { scavenges: 0, markCompacts: 0 };
  // --trace-gc's lines read `[pid:isolate]   1234 ms: Scavenge 45.2 (60.1) -> ...` or `... ms: Mark-Compact ...`.
  if (traceGc) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (/ ms: Scavenge\b/.test(line)) gc.scavenges += 1;
      else if (/ ms: Mark-Compact\b/.test(line)) gc.markCompacts += 1;
    });
  }
  const close = async () => {
    await stop(child);
    if (!dataDir) rmSync(data, { recursive: true, force: true });
  };
  const started = Date.now();
  while (!(await healthy(port))) {
    if (child.exitCode !== null || Date.now() - started > START_DEADLINE_MS) {
      await close();
      throw new Error(`the server did not start: ${stderr}`);
    }
    await sleep(5);
  }
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, gcCounts: () => ({ ...gc }), close };
}
