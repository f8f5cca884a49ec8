// Installs the optional runtime for in-process local models (node-llama-cpp, CPU build only) into .local-models/.
// It lives in its own folder because it needs `npm install --omit=optional` (otherwise npm pulls ~750 MB of CUDA and
// Vulkan binaries), and that flag would strip esbuild's and rollup's platform binaries from Parley's own node_modules.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSION = '3.21.1';
// The prebuilt CPU binaries node-llama-cpp 3.21.1 publishes (`npm view node-llama-cpp@3.21.1 optionalDependencies`,
// minus the -cuda/-vulkan variants). Apple Silicon only has the Metal build, which also runs on the CPU.
const PREBUILT = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'linux-arm': 'linux-armv7l',
  'linux-riscv64': 'linux-riscv64',
  'darwin-arm64': 'mac-arm64-metal',
  'darwin-x64': 'mac-x64',
  'win32-x64': 'win-x64',
  'win32-arm64': 'win-arm64',
};

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const prefix = join(root, '.local-models');
const platform = `${process.platform}-${process.arch}`;
const prebuilt = PREBUILT[platform];
if (!prebuilt) {
  console.error(`parley: node-llama-cpp ${VERSION} has no prebuilt binary for ${platform}; local models are not available here.`);
  process.exit(1);
}
const packages = [`node-llama-cpp@${VERSION}`, `@node-llama-cpp/${prebuilt}@${VERSION}`];

function installedVersion(name) {
  const manifest = join(prefix, 'node_modules', name, 'package.json');
  return existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')).version : undefined;
}

function sizeOf(path) {
  const stat = lstatSync(path); // lstat: count .bin symlinks once, never follow them
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((total, name) => total + sizeOf(join(path, name)), 0);
}

if (installedVersion('node-llama-cpp') === VERSION && installedVersion(`@node-llama-cpp/${prebuilt}`) === VERSION) {
  console.error(`parley: node-llama-cpp ${VERSION} (${prebuilt}) is already installed in .local-models/`);
  process.exit(0);
}

const started = performance.now();
console.error(`parley: installing node-llama-cpp ${VERSION} (${prebuilt}, CPU only) into .local-models/…`);
mkdirSync(prefix, { recursive: true });
// Written fresh each time so a stale pin from an earlier version or platform is not kept; --save-exact adds the new ones.
// node-llama-cpp's postinstall would download or build a binary; the prebuilt one is installed explicitly instead, so
// the script is denied (npm 11's allowScripts) and told to skip itself (older npm runs it regardless).
const manifest = { private: true, type: 'module', allowScripts: { 'node-llama-cpp': false } };
writeFileSync(join(prefix, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
const result = spawnSync('npm', ['install', '--prefix', prefix, '--omit=optional', '--no-audit', '--no-fund', '--save-exact', ...packages], {
  stdio: 'inherit',
  env: { ...process.env, NODE_LLAMA_CPP_POSTINSTALL: 'skip' },
});
if (result.status !== 0) {
  console.error(`parley: installing node-llama-cpp failed (npm exited with ${result.status ?? result.signal ?? result.error?.message}).`);
  process.exit(1);
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const megabytes = (sizeOf(join(prefix, 'node_modules')) / 1e6).toFixed(0);
console.error(`parley: installed node-llama-cpp ${VERSION} (${prebuilt}) in ${seconds} s, ${megabytes} MB in .local-models/`);
