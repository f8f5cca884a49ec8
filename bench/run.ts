/**
 * `npm run bench [-- name ...]`: runs every benchmark of bench/ (or the named ones) one after another and prints
 * their tables, then a summary. A benchmark is a bench/<name>.ts that exports `async function run()`; files without
 * one (helpers such as stats.ts) are passed over. Each runs in a Node process of its own, so one benchmark's heap,
 * JIT state and open handles cannot skew the next.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { printTable } from './stats.js';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
/** A child's exit code meaning "this file exports no run()". */
const NOT_A_BENCHMARK = 3;
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 1800) * 1000;

/** Child mode: `run.ts --one <file>` imports the file and runs its benchmark. */
async function runOne(file: string): Promise<void> {
  const module = (await import(pathToFileURL(file).href)) as { run?: unknown };
  if (typeof module.run !== 'function') process.exit(NOT_A_BENCHMARK);
  await (module.run as () => Promise<void>)();
  // A benchmark that leaves a handle open must not hang the whole run.
  process.exit(0);
}

type Outcome = 'ok' | 'failed' | 'timed out' | 'helper';

function runChild(file: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--one', file], { stdio: 'inherit' });
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve('timed out');
      else if (code === NOT_A_BENCHMARK) resolve('helper');
      else resolve(code === 0 ? 'ok' : 'failed');
    });
  });
}

async function runAll(names: string[]): Promise<void> {
  const files = readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && join(BENCH_DIR, f) !== SELF)
    .filter((f) => names.length === 0 || names.includes(basename(f, '.ts')))
    .sort();
  const unknown = names.filter((n) => !files.includes(`${n}.ts`));
  if (unknown.length > 0) throw new Error(`no benchmark named ${unknown.join(', ')} in bench/`);

  const rows: string[][] = [];
  for (const file of files) {
    const started = performance.now();
    const outcome = await runChild(join(BENCH_DIR, file));
    if (outcome !== 'helper') rows.push([basename(file, '.ts'), outcome, ((performance.now() - started) / 1000).toFixed(1)]);
  }
  printTable('Benchmarks run', ['benchmark', 'outcome', 'seconds'], rows);
  if (rows.some((r) => r[1] !== 'ok')) process.exitCode = 1;
}

const args = process.argv.slice(2);
if (args[0] === '--one' && args[1]) await runOne(args[1]);
else await runAll(args);
