// The whole test suite: type-checks the server, the web client and the tests (tsconfig.json: test/, bench/,
// scripts/), builds what the browser tests need, makes sure Chromium and the local-model runtime are there,
// runs every test file.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : testFiles('test').sort();
// The runner (tsx) strips types without checking them: a wrong type in a test or the client would pass unseen.
const tsc = join('node_modules', 'typescript', 'bin', 'tsc');
for (const project of ['tsconfig.server.json', 'tsconfig.web.json', 'tsconfig.json']) {
  run(process.execPath, [tsc, '-p', project, '--noEmit']);
}
run(process.execPath, ['scripts/build-if-needed.mjs']);
run(process.execPath, ['scripts/ensure-chromium.mjs']);
// Optional, so a failed install (no network, no prebuilt for this platform) only skips the local-model tests.
const localModels = spawnSync(process.execPath, ['scripts/install-local-models.mjs'], { stdio: 'inherit' });
if (localModels.status !== 0) console.error('parley: node-llama-cpp could not be installed; the local-model tests will be skipped.');
// --test-force-exit: a file whose tests have all finished ends even if a handle it left open would keep it alive
// (import-whole once did: its cleanups closed one server three times and left two running, holding the whole
// suite); a safety net, its tests still pass or fail on their own.
run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-force-exit', '--test-reporter=spec', ...files]);
