// The whole test suite: builds what the browser tests need, makes sure Chromium and the local-model runtime are there,
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
run(process.execPath, ['scripts/build-if-needed.mjs']);
run(process.execPath, ['scripts/ensure-chromium.mjs']);
// Optional, so a failed install (no network, no prebuilt for this platform) only skips the local-model tests.
const localModels = spawnSync(process.execPath, ['scripts/install-local-models.mjs'], { stdio: 'inherit' });
if (localModels.status !== 0) console.error('parley: node-llama-cpp could not be installed; the local-model tests will be skipped.');
run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files]);
