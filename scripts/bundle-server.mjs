// Bundles tsc's output (dist/server/main.js) into dist/server/parley.js, the file `npm start` and the `parley`
// command run. Loading one file instead of ~500 modules (kysely alone is 263 files) cut startup by ~40% and idle
// memory by ~14 MB (bench/startup.ts). Lazy imports stay lazy as separate chunks. The build then starts the bundle
// once and asks /healthz, so a dependency that breaks under bundling fails the build, not the first user.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const OUT_DIR = 'dist/server';
const NAME = 'parley';
const ENTRY = join(OUT_DIR, `${NAME}.js`);
// Native addons and optional dependencies stay in node_modules and load as usual.
const EXTERNAL = ['better-sqlite3', '@node-rs/argon2', 'sharp', 'pg-native', 'node-llama-cpp'];
const SMOKE_TIMEOUT_MS = 20_000;

for (const file of readdirSync(OUT_DIR)) {
  if (file.startsWith(`${NAME}.`) || file.startsWith(`${NAME}-`)) rmSync(join(OUT_DIR, file));
}

await build({
  entryPoints: { [NAME]: join(OUT_DIR, 'main.js') },
  outdir: OUT_DIR,
  // Chunks sit beside the entry: paths found from the package root (src/server/package-root.ts) hold for all.
  chunkNames: `${NAME}-[name]-[hash]`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  // Class and function names survive for logs and stack traces; the source map leads back to src/ when Node
  // runs with --enable-source-maps.
  keepNames: true,
  sourcemap: 'linked',
  external: EXTERNAL,
  // CommonJS packages (fastify, pino, ...) inside an ES module still call require().
  banner: { js: "import { createRequire as __parleyRequire } from 'node:module'; const require = __parleyRequire(import.meta.url);" },
  // Licence comments go to parley.js.LEGAL.txt: one non-ASCII name in them made V8 hold the whole source as a
  // two-byte string (4 MB instead of 2 for the life of the process).
  legalComments: 'external',
  logLevel: 'warning',
});
chmodSync(ENTRY, 0o755);

/** Starts the bundle on a free loopback port in an empty data folder and expects /healthz to answer 200. */
async function smokeTest() {
  const data = mkdtempSync(join(tmpdir(), 'parley-bundle-'));
  const child = spawn(process.execPath, [ENTRY, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', data], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  try {
    const address = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no "listening" line within 20 s')), SMOKE_TIMEOUT_MS);
      child.stderr.on('data', (chunk) => (output += chunk));
      child.stdout.on('data', (chunk) => {
        output += chunk;
        const match = /"address":"(http:\/\/[^"]+)"/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.on('exit', (code) => reject(new Error(`the bundle exited with code ${code}`)));
    });
    const reply = await fetch(`${address}/healthz`, { signal: AbortSignal.timeout(SMOKE_TIMEOUT_MS) });
    if (reply.status !== 200) throw new Error(`/healthz answered ${reply.status}`);
  } finally {
    child.kill('SIGTERM');
    rmSync(data, { recursive: true, force: true });
  }
  return output;
}

try {
  await smokeTest();
} catch (error) {
  console.error(`parley: the bundled server (${ENTRY}) does not start: ${error.message}`);
  process.exit(1);
}
