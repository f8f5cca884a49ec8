/**
 * Where a server's sampled bytes went (a profile from bench/alloc-sampler.mjs): per request, by package or source
 * file, by function, and by the nearest function of Parley's own on the stack (what the product owns), through the
 * bundle's source maps. `node --import tsx bench/alloc-report.ts <profile.heapprofile> [dist/server]`.
 * Not part of `npm run bench` (no `run()`): it explains a figure, it does not measure one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Node {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children: Node[];
}
interface Place {
  bucket: string;
  fn: string;
  own: boolean;
}

const [file, dist = 'dist/server'] = process.argv.slice(2);
if (!file) throw new Error('usage: alloc-report.ts <profile.heapprofile> [dist/server]');
const distDir = resolve(dist);
const { requests } = JSON.parse(readFileSync(file.replace(/\.heapprofile$/, '.json'), 'utf8')) as { requests: number };
const profile = JSON.parse(readFileSync(file, 'utf8')) as { head: Node };

const maps = new Map<string, SourceMap | null>();
function place({ functionName, url, lineNumber, columnNumber }: Node['callFrame']): Place {
  if (!url) return { bucket: '(native)', fn: `(native) ${functionName}`, own: false };
  const path = url.startsWith('file:') ? fileURLToPath(url) : url;
  let source = path;
  let line = lineNumber + 1;
  if (path.startsWith(distDir)) {
    if (!maps.has(path)) maps.set(path, existsSync(`${path}.map`) ? new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8'))) : null);
    const found = maps.get(path)?.findOrigin(lineNumber + 1, columnNumber + 1);
    if (found && 'fileName' in found) ({ fileName: source, lineNumber: line } = found);
  }
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1];
  const short = pkg ? source.slice(source.lastIndexOf('node_modules/') + 13) : source.replace(/^.*?\/src\//, 'src/');
  return { bucket: pkg ?? (short.startsWith('node:') ? 'node' : short), fn: `${short}:${line} ${functionName}`, own: short.startsWith('src/') };
}

const byBucket = new Map<string, number>();
const byFunction = new Map<string, number>();
const byOwner = new Map<string, number>();
let total = 0;
const add = (map: Map<string, number>, key: string, bytes: number) => map.set(key, (map.get(key) ?? 0) + bytes);
function walk(node: Node, owner: string) {
  const here = place(node.callFrame);
  const nearest = here.own ? here.fn : owner;
  if (node.selfSize > 0) {
    total += node.selfSize;
    add(byBucket, here.bucket, node.selfSize);
    add(byFunction, here.fn, node.selfSize);
    add(byOwner, nearest, node.selfSize);
  }
  for (const child of node.children) walk(child, nearest);
}
walk(profile.head, '(no function of src/ on the stack)');

const kb = (bytes: number) => `${(bytes / requests / 1024).toFixed(2).padStart(7)} KB`;
console.log(`${requests} requests, ${kb(total).trim()} sampled per request`);
for (const [title, map] of [['package or file', byBucket], ['function', byFunction], ['nearest function of src/', byOwner]] as const) {
  console.log(`\nper request, by ${title}:`);
  for (const [key, bytes] of [...map].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`${kb(bytes)}  ${key}`);
}
