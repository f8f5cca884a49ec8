/**
 * Two builds of the web client side by side, in one Chromium: `node --import tsx bench/web-ab.ts <dirA> <dirB>`,
 * each directory a worktree with its own `dist/web` (built beforehand). Each build gets servers of its own (its own
 * code serves its own dist/web): a 50,000-message chat, and a library of 20,000 cards. Every round opens the chat by
 * URL, from its chat list, and the library, once per build, the builds' order alternating by round, so the load of a
 * shared machine drifts over both alike; it prints each build's medians and the median of the paired differences.
 * On a loaded 2-core machine separate runs of web-client.ts and library.ts differ by ±150 ms from noise alone; paired
 * rounds are what let a 20-50 ms change show. `BENCH_AB_ROUNDS` (12), `BENCH_AB_ONLY` (e.g. `url,library`).
 * Not part of `npm run bench` (no `run()`): it compares, it does not measure one build.
 */
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { openBrowser } from '../test/e2e/support/browser.js';
import { openLibrary } from './library.js';
import { openByUrl, openInApp } from './web-client.js';
import { median } from './stats.js';

const ROUNDS = Number(process.env.BENCH_AB_ROUNDS ?? 12);
const MODES = (process.env.BENCH_AB_ONLY ?? 'url,list,library').split(',');
const LENGTH = 50_000;
const CARDS = 20_000;
const TITLE = 'The long chat';

interface Build {
  chat?: { url: string; chatId: string; characterId: string };
  libraryUrl?: string;
  close(): Promise<void>;
}

/** Servers running `dir`'s own code (so each serves its own dist/web), seeded through its own store. */
async function startBuild(dir: string): Promise<Build> {
  const load = (path: string) => import(join(dir, path));
  const { startTestServer } = await load('test/support/test-server.ts');
  const { TestClient } = await load('test/support/http-client.ts');
  const { makeCard } = await load('test/support/fixtures.ts');
  const { seedLibrary } = await load('test/support/library-seed.ts');
  const { seedMessages } = await load('bench/seed-messages.ts');
  const { roleplayMessage, seqMarker } = await load('bench/roleplay-message.ts');
  const servers: Array<{ url: string; close(): Promise<void> }> = [];
  const build: Build = { close: async () => void (await Promise.all(servers.map((server) => server.close()))) };
  if (MODES.includes('url') || MODES.includes('list')) {
    const server = await startTestServer({ config: { logLevel: 'warn' } });
    servers.push(server);
    const client = new TestClient(server.url);
    await client.session();
    const character = await client.post('/api/characters', { card: makeCard({ first_mes: `Welcome, traveller. ${seqMarker(0)}` }) });
    const chat = await client.post('/api/chats', { characterId: character.body.id });
    await seedMessages(server.store, chat.body.id, LENGTH, roleplayMessage);
    const renamed = await client.post(`/api/chats/${chat.body.id}/ops`, { ops: [{ opId: 'title-ab', type: 'setTitle', title: TITLE }] });
    if (renamed.body.results?.[0]?.status !== 'applied') throw new Error(`rename failed: ${JSON.stringify(renamed.body)}`);
    build.chat = { url: server.url, chatId: chat.body.id, characterId: character.body.id };
  }
  if (MODES.includes('library')) {
    const server = await startTestServer({ config: { logLevel: 'warn' } });
    servers.push(server);
    await new TestClient(server.url).session();
    await seedLibrary(server.store, CARDS);
    build.libraryUrl = server.url;
  }
  return build;
}

interface Sample {
  ms: number;
  /** Main-thread CPU to the paint, all tasks and JavaScript (by URL only). */
  cpu?: { tasks: number; script: number };
}

export async function compare(dirA: string, dirB: string) {
  const builds = { A: await startBuild(dirA), B: await startBuild(dirB) };
  const browser = await openBrowser();
  const samples: Record<string, { A: Sample[]; B: Sample[] }> = Object.fromEntries(MODES.map((mode) => [mode, { A: [], B: [] }]));
  const loadBefore = loadavg()[0]!;
  try {
    // The profile's first tab stays open (see web-client.ts's freshPage).
    if (browser.context.pages().length === 0) await browser.context.newPage();
    const open = async (build: Build, mode: string): Promise<Sample> => {
      const chat = build.chat!;
      if (mode === 'url') {
        const opened = await openByUrl(browser, chat.url, chat.chatId, LENGTH);
        await opened.page.close();
        return { ms: opened.ms, cpu: opened.cpu };
      }
      if (mode === 'list') return { ms: await openInApp(browser, chat.url, chat.characterId, TITLE, LENGTH) };
      for (const page of browser.context.pages().slice(1)) await page.close();
      return { ms: await openLibrary(browser.context, build.libraryUrl!) };
    };
    // Round -1 warms both builds up (HTTP and code caches, the service worker).
    for (let round = -1; round < ROUNDS; round++) {
      for (const mode of MODES) {
        for (const which of round % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
          const sample = await open(builds[which], mode);
          if (round >= 0) samples[mode]![which].push(sample);
        }
      }
    }
  } finally {
    await browser.close();
    await builds.A.close();
    await builds.B.close();
  }
  console.log(`A = ${dirA}\nB = ${dirB}\n${ROUNDS} rounds; 1-minute load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`);
  for (const mode of MODES) {
    const { A, B } = samples[mode]!;
    const paired = (pick: (s: Sample) => number) => median(A.map((a, i) => pick(B[i]!) - pick(a)));
    const faster = A.filter((a, i) => B[i]!.ms < a.ms).length;
    let line = `${mode.padEnd(8)} painted: A ${median(A.map((s) => s.ms)).toFixed(0)} ms, B ${median(B.map((s) => s.ms)).toFixed(0)} ms; `;
    line += `B − A ${paired((s) => s.ms).toFixed(0)} ms (B first in ${faster} of ${A.length})`;
    if (A[0]!.cpu) {
      const cpu = (s: Sample) => s.cpu!.tasks;
      const js = (s: Sample) => s.cpu!.script;
      line += `; main-thread CPU A ${median(A.map(cpu)).toFixed(0)} B ${median(B.map(cpu)).toFixed(0)} (B − A ${paired(cpu).toFixed(0)}),`;
      line += ` JS A ${median(A.map(js)).toFixed(0)} B ${median(B.map(js)).toFixed(0)} (B − A ${paired(js).toFixed(0)})`;
    }
    console.log(line);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dirA, dirB] = process.argv.slice(2);
  if (!dirA || !dirB) throw new Error('usage: node --import tsx bench/web-ab.ts <worktree A> <worktree B>');
  await compare(resolve(dirA), resolve(dirB));
}
