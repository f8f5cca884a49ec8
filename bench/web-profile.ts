/**
 * Where the page's main thread goes before the paint: `node --import tsx bench/web-profile.ts chat|list|library [runs]`
 * samples Chromium's JavaScript profiler (every 0.2 ms) from navigation to the newest message of a 1,000-message chat
 * painted (chat), from a click on that chat in its character's chat list to the same paint (list), or from navigation
 * to the library's first card at 20,000 cards (library), after a warm-up open, and prints the self time
 * per run by package or source file and by function, mapped through dist/web's source maps (build it first). Native
 * work a script asked for (a forced layout, the locale's data for a first Intl format) counts as its caller's self
 * time; "(program)" is the browser's own work outside JavaScript (style, layout, paint, parsing).
 * Not part of `npm run bench` (no `run()`): it explains a figure, it does not measure one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { openBrowser } from '../test/e2e/support/browser.js';
import { makeCard } from '../test/support/fixtures.js';
import { TestClient } from '../test/support/http-client.js';
import { seedLibrary } from '../test/support/library-seed.js';
import { startTestServer } from '../test/support/test-server.js';
import { FIRST_CARD_PROBE } from './library.js';
import { PAGE_PROBE } from './page-probe.js';
import { roleplayMessage, seqMarker } from './roleplay-message.js';
import { seedMessages } from './seed-messages.js';

const LENGTH = 1_000;
const CARDS = 20_000;
const SAMPLING_US = 200;

/** A sampled function, as Chromium's profiler names it (0-based line and column in the served script). */
interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

const maps = new Map<string, SourceMap | null>();
/** The original position of a profile's call frame: `package` or `src/...` file, and `file:line name`. */
function origin(frame: CallFrame): { bucket: string; fn: string } {
  if (!frame.url) return { bucket: frame.functionName.startsWith('(') ? frame.functionName : `(native) ${frame.functionName}`, fn: frame.functionName };
  const path = new URL(frame.url).pathname;
  const mapFile = join('dist/web', `${path}.map`);
  if (!maps.has(path)) maps.set(path, existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : null);
  const found = maps.get(path)?.findOrigin(frame.lineNumber + 1, frame.columnNumber + 1);
  const source = found && 'fileName' in found ? found.fileName : path;
  const name = (found && 'name' in found && found.name) || frame.functionName || '(anonymous)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source)?.[1];
  const file = pkg ? source.slice(source.lastIndexOf('node_modules/') + 13) : source.replace(/^.*?\/src\//, 'src/');
  const line = found && 'lineNumber' in found ? found.lineNumber : frame.lineNumber + 1;
  return { bucket: pkg ?? file, fn: `${file}:${line} ${name}` };
}

async function profile(target: 'chat' | 'list' | 'library', runs: number) {
  const server = await startTestServer({ config: { logLevel: 'warn' } });
  const browser = await openBrowser();
  const buckets = new Map<string, number>();
  const functions = new Map<string, number>();
  const paints: number[] = [];
  try {
    if (browser.context.pages().length === 0) await browser.context.newPage();
    const client = new TestClient(server.url);
    await client.session();
    let path = '/';
    let probe = FIRST_CARD_PROBE;
    let painted = 'window.firstCardPainted';
    let chatTitle = '';
    if (target !== 'library') {
      const character = await client.post('/api/characters', { card: makeCard({ first_mes: `Welcome, traveller. ${seqMarker(0)}` }) });
      const chat = await client.post('/api/chats', { characterId: character.body.id });
      await seedMessages(server.store, chat.body.id, LENGTH, roleplayMessage);
      chatTitle = chat.body.title;
      path = target === 'chat' ? `/chats/${chat.body.id}` : `/characters/${character.body.id}`;
      probe = `${PAGE_PROBE}\nparleyBench.watch(${JSON.stringify(seqMarker(LENGTH - 1))});`;
      painted = 'parleyBench.painted';
    } else await seedLibrary(server.store, CARDS);

    for (let run = -1; run < runs; run++) {
      for (const open of browser.context.pages().slice(1)) await open.close();
      const page = await browser.context.newPage();
      await page.addInitScript({ content: probe });
      const cdp = await browser.context.newCDPSession(page);
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: SAMPLING_US });
      // A new tab's own start-up is let finish first, as web-client.ts does.
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (target === 'list') {
        await page.goto(server.url + path);
        await page.getByRole('link', { name: chatTitle }).waitFor();
        await cdp.send('Profiler.start');
        await page.getByRole('link', { name: chatTitle }).click();
      } else {
        await cdp.send('Profiler.start');
        await page.goto(server.url + path);
      }
      const at = Number(await page.evaluate(painted)) - (target === 'list' ? Number(await page.evaluate('parleyBench.clickAt')) : 0);
      const { profile: sampled } = await cdp.send('Profiler.stop');
      await page.close();
      if (at < 0) throw new Error(`${target}: nothing painted within 60 s`);
      if (run < 0) continue;
      paints.push(at);
      const nodes = new Map(sampled.nodes.map((node) => [node.id, node]));
      const deltas = sampled.timeDeltas ?? [];
      (sampled.samples ?? []).forEach((id, i) => {
        const node = nodes.get(id)!;
        if (node.callFrame.functionName === '(idle)') return;
        // A sample's time is the gap to the next one.
        const ms = (deltas[i + 1] ?? 0) / 1000;
        const { bucket, fn } = origin(node.callFrame);
        buckets.set(bucket, (buckets.get(bucket) ?? 0) + ms);
        functions.set(fn, (functions.get(fn) ?? 0) + ms);
      });
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const total = [...buckets.values()].reduce((sum, ms) => sum + ms, 0);
  console.log(`${target}: ${runs} opens, painted at ${paints.map((ms) => ms.toFixed(0)).join(' / ')} ms; main thread busy ${(total / runs).toFixed(0)} ms a run`);
  const top = (table: Map<string, number>, count: number) =>
    [...table].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, ms]) => `${(ms / runs).toFixed(1).padStart(7)} ms  ${name}`).join('\n');
  console.log(`\nself time a run, by package or file:\n${top(buckets, 25)}\n\nby function:\n${top(functions, 40)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = process.argv[2];
  if (target !== 'chat' && target !== 'list' && target !== 'library') {
    throw new Error('usage: node --import tsx bench/web-profile.ts chat|list|library [runs]');
  }
  await profile(target, Number(process.argv[3] ?? 5));
}
