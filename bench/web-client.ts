/**
 * The web client in Chromium against the real server (SQLite file, loopback), beside what SillyTavern measured on
 * this machine: time from opening a chat to its newest message painted at 1,000 / 10,000 / 50,000 messages (by URL,
 * and by a click in the app's chat list) with the page's main-thread CPU until then; page JS heap at 50,000 (after
 * opening, and after scrolling up a few thousand messages); Enter to the server's acknowledgement of a message sent in
 * the 50,000 chat, and that request's size; the time to scroll the 10,000 and 50,000 chats back to their first
 * message, and the heap then. Chats are seeded through the store with ~400-byte markdown messages. Every page is a
 * fresh tab in one fresh Chromium profile. BENCH_WEB_RUNS (default 7) opens per length, BENCH_WEB_SENDS (10) sends.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { openBrowser, type TestBrowser } from '../test/e2e/support/browser.js';
import { TestClient } from '../test/support/http-client.js';
import { makeCard } from '../test/support/fixtures.js';
import { startTestServer, type TestServer } from '../test/support/test-server.js';
import { PAGE_PROBE } from './page-probe.js';
import { roleplayMessage, seqMarker } from './roleplay-message.js';
import { seedMessages } from './seed-messages.js';
import { median, printTable } from './stats.js';

const LENGTHS = [1_000, 10_000, 50_000];
const RUNS = Number(process.env.BENCH_WEB_RUNS ?? 7);
const SENDS = Number(process.env.BENCH_WEB_SENDS ?? 10);
/** How far up the 50,000 chat the reader scrolls before the second heap reading. */
const SCROLL_BACK = 3_000;
/** Bounds of the scrolling loops: frames, and wall time. */
const MAX_SCROLL_FRAMES = 20_000;
const SCROLL_TIMEOUT_MS = 180_000;
const OPS_PATH = /\/api\/chats\/[^/]+\/ops$/;
/** A new tab's own start-up work (another process) is let finish before the clock starts, as in a reader's browser. */
const SETTLE_MS = Number(process.env.BENCH_WEB_SETTLE_MS ?? 500);
/** BENCH_WEB_ONLY=open: only the opening rows (a quick before/after while working on first paint). */
const OPENS_ONLY = process.env.BENCH_WEB_ONLY === 'open';

/** SillyTavern on this machine (issue 5). */
const SILLYTAVERN = {
  paint: { 1_000: 280, 10_000: 408, 50_000: 1_071 } as Record<number, number>,
  heapMB: 51,
  ackMs: 766,
  requestBytes: 20.5e6,
};
const GOALS = { paintMs: 300, heapMB: 30, ackMs: 50, requestBytes: 2_048 };

interface Probe {
  painted: Promise<number>;
  clickAt: number | null;
  enterAt: number | null;
  watch(marker: string): void;
  scrollToTop(options: { untilSeq: number; timeoutMs: number; maxSteps: number }): Promise<ScrollResult>;
  opsTiming(after: number, timeoutMs: number): Promise<{ fetchStart: number; requestStart: number; responseEnd: number } | null>;
  savedAt(text: string, timeoutMs: number): Promise<number>;
  phases(): Phases;
}
interface ScrollResult {
  reached: boolean;
  ms: number;
  steps: number;
  oldestSeq: number;
}
interface Phases {
  documentEnd: number | null;
  domContentLoaded: number | null;
  scriptEnd: number | null;
  api: Array<{ path: string; start: number; end: number }>;
  /** The newest message painted (set by the benchmark from its own probe reading). */
  painted?: number;
}
declare const parleyBench: Probe;

/** The server serves dist/web: build it when it is missing or older than the client's sources. */
function buildWebIfStale() {
  const newest = (path: string): number => {
    if (!existsSync(path)) return 0;
    const stat = statSync(path);
    return stat.isDirectory() ? Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name)))) : stat.mtimeMs;
  };
  const built = existsSync('dist/web/index.html') ? statSync('dist/web/index.html').mtimeMs : 0;
  if (Math.max(...['src/web', 'src/shared', 'index.html', 'vite.config.ts'].map(newest)) <= built) return;
  console.error('web-client bench: building dist/web (sources are newer)…');
  const result = spawnSync('npx', ['vite', 'build'], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('vite build failed');
}

/**
 * A fresh tab with the probe installed, watching for message `seq`. Earlier tabs are closed but the profile's first
 * (blank) one: with no window left, the next tab opens a new window, and Chromium loads a new omnibox-popup WebUI
 * (hundreds of modules, in another renderer) just as the chat loads; on a 2-core machine we would time that too.
 */
async function freshPage(browser: TestBrowser, seq: number): Promise<Tab> {
  for (const open of browser.context.pages().slice(1)) await open.close();
  const page = await browser.context.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  await page.addInitScript({ content: `${PAGE_PROBE}\nparleyBench.watch(${JSON.stringify(seqMarker(seq))});` });
  const cdp = await browser.context.newCDPSession(page);
  // Durations in thread time: the CPU the page's main thread spent, which others' load on the machine barely moves.
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return { page, cdp };
}

interface Tab {
  page: Page;
  cdp: CDPSession;
}

async function painted(page: Page): Promise<number> {
  const at = await page.evaluate(() => parleyBench.painted);
  if (at < 0) {
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/bench-web-not-painted.png' });
    throw new Error(`newest message not painted within 60 s at ${page.url()} (see test-results/bench-web-not-painted.png)`);
  }
  return at;
}

/** Main-thread CPU of the tab so far (ms): all of it in tasks, and the part running JavaScript. */
async function mainThreadCpu(cdp: CDPSession): Promise<{ tasks: number; script: number }> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const value = (name: string) => (metrics.find((m) => m.name === name)?.value ?? 0) * 1000;
  return { tasks: value('TaskDuration'), script: value('ScriptDuration') };
}

/** JS heap of the page's renderer after a full garbage collection, in MB (10^6 bytes). */
async function heapMB(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const usage = await cdp.send('Runtime.getHeapUsage');
  return usage.usedSize / 1e6;
}

/** page.goto(/chats/<id>) to the newest message painted, with the main thread's CPU until then. */
export async function openByUrl(browser: TestBrowser, url: string, chatId: string, length: number) {
  const tab = await freshPage(browser, length - 1);
  await tab.page.goto(`${url}/chats/${chatId}`);
  const ms = await painted(tab.page);
  const cpu = await mainThreadCpu(tab.cdp);
  const phases = await tab.page.evaluate(() => parleyBench.phases());
  return { ...tab, ms, cpu, phases };
}

/** From the click on the chat in its character's chat list to the newest message painted. */
export async function openInApp(browser: TestBrowser, url: string, characterId: string, title: string, length: number) {
  const { page } = await freshPage(browser, length - 1);
  // The character's page lists its chats (a library card's click opens the latest chat straight away).
  await page.goto(`${url}/characters/${characterId}`);
  await page.getByRole('link', { name: title }).click();
  const end = await painted(page);
  const start = await page.evaluate(() => parleyBench.clickAt);
  await page.close();
  return end - start!;
}

async function measureSends(page: Page, count: number) {
  const box = page.getByRole('textbox', { name: 'Message' });
  const sends: Array<{ ack: number; queued: number; roundTrip: number; saved: number; body: number; headers: number }> = [];
  for (let i = 0; i < count; i++) {
    const text = `*I nod and follow her to the door.* "Lead the way, then — send ${i}." I check the ${i}th lantern twice.`;
    await box.fill(text);
    const response = page.waitForResponse((r) => r.request().method() === 'POST' && OPS_PATH.test(new URL(r.url()).pathname));
    await box.press('Enter');
    const reply = await response;
    await reply.finished();
    const body = (await reply.json()) as { results: Array<{ status: string }> };
    if (body.results[0]?.status !== 'applied') throw new Error(`send ${i} not applied: ${JSON.stringify(body)}`);
    const enterAt = (await page.evaluate(() => parleyBench.enterAt))!;
    const timing = await page.evaluate(([after]) => parleyBench.opsTiming(after!, 10_000), [enterAt]);
    if (!timing) throw new Error(`send ${i}: no resource timing for the ops request`);
    const saved = await page.evaluate(([t]) => parleyBench.savedAt(t!, 10_000), [text.replace(/\*/g, '')]);
    if (saved < 0) throw new Error(`send ${i}: never shown as saved`);
    const sizes = await reply.request().sizes();
    sends.push({
      ack: timing.responseEnd - enterAt,
      queued: timing.fetchStart - enterAt,
      roundTrip: timing.responseEnd - timing.fetchStart,
      saved: saved - enterAt,
      body: reply.request().postDataBuffer()?.length ?? 0,
      headers: sizes.requestHeadersSize,
    });
  }
  return sends;
}

export async function run() {
  buildWebIfStale();
  const server: TestServer = await startTestServer({ config: { logLevel: 'warn' } });
  const browser = await openBrowser();
  const loadBefore = loadavg()[0]!;
  try {
    if (browser.context.pages().length === 0) await browser.context.newPage();
    const client = new TestClient(server.url);
    await client.session();
    const character = await client.post('/api/characters', { card: makeCard({ first_mes: `Welcome, traveller. ${seqMarker(0)}` }) });
    const characterId = character.body.id as string;
    const chats: Record<number, { id: string; title: string }> = {};
    let seededBytes = 0;
    for (const length of LENGTHS) {
      const chat = await client.post('/api/chats', { characterId });
      const title = `Chat of ${length.toLocaleString('en')}`;
      await seedMessages(server.store, chat.body.id, length, (seq) => {
        const text = roleplayMessage(seq);
        seededBytes += Buffer.byteLength(text);
        return text;
      });
      const renamed = await client.post(`/api/chats/${chat.body.id}/ops`, {
        ops: [{ opId: `title-${length}`, type: 'setTitle', title }],
      });
      if (renamed.body.results?.[0]?.status !== 'applied') throw new Error(`rename failed: ${JSON.stringify(renamed.body)}`);
      chats[length] = { id: chat.body.id, title };
    }
    const seededCount = LENGTHS.reduce((sum, n) => sum + n - 1, 0);
    console.error(`seeded ${seededCount.toLocaleString('en')} messages, ${Math.round(seededBytes / seededCount)} bytes each on average`);

    // 1. Open each chat: a warm-up round first (the bundle enters the HTTP and code caches, as on any later visit),
    // then RUNS rounds taking the lengths in turn, so drift in the machine's load touches every length alike.
    const byUrl: Record<number, number[]> = Object.fromEntries(LENGTHS.map((n) => [n, []]));
    const inApp: Record<number, number[]> = Object.fromEntries(LENGTHS.map((n) => [n, []]));
    const cpuByUrl: Record<number, Array<{ tasks: number; script: number }>> = Object.fromEntries(LENGTHS.map((n) => [n, []]));
    const heapAfterOpen: Record<number, number> = {};
    let phases50k: Phases | null = null;
    for (let round = -1; round < RUNS; round++) {
      for (const length of LENGTHS) {
        const { id, title } = chats[length]!;
        const opened = await openByUrl(browser, server.url, id, length);
        if (round === 0) {
          heapAfterOpen[length] = await heapMB(opened.cdp);
          if (length === 50_000) phases50k = { ...opened.phases, painted: opened.ms };
        }
        await opened.page.close();
        const clicked = await openInApp(browser, server.url, characterId, title, length);
        if (round >= 0) {
          byUrl[length]!.push(opened.ms);
          cpuByUrl[length]!.push(opened.cpu);
          inApp[length]!.push(clicked);
        }
      }
    }

    if (OPENS_ONLY) {
      reportOpens({ byUrl, cpuByUrl, inApp, phases50k });
      console.log(`machine: ${cpus().length} cores; 1-minute load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`);
      return;
    }
    // 2. Heap at 50,000 after scrolling up a few thousand messages.
    const big = chats[50_000]!;
    const { page: scrollPage, cdp: scrollCdp } = await openByUrl(browser, server.url, big.id, 50_000);
    const scrolledBack = await scrollPage.evaluate(
      ([untilSeq, timeoutMs, maxSteps]) => parleyBench.scrollToTop({ untilSeq: untilSeq!, timeoutMs: timeoutMs!, maxSteps: maxSteps! }),
      [50_000 - 1 - SCROLL_BACK, SCROLL_TIMEOUT_MS, MAX_SCROLL_FRAMES],
    );
    const heapAfterScroll = await heapMB(scrollCdp);
    await scrollPage.close();

    // 3. The whole history, by scrolling to the top until the first message is on screen: the 10,000 chat, and the
    // 50,000 one too (the heap with every message loaded is the most a reader can make the page hold).
    const history: Record<number, ScrollResult & { heapMB: number }> = {};
    for (const length of [10_000, 50_000]) {
      const { page, cdp } = await openByUrl(browser, server.url, chats[length]!.id, length);
      const reached = await page.evaluate(
        ([timeoutMs, maxSteps]) => parleyBench.scrollToTop({ untilSeq: 0, timeoutMs: timeoutMs!, maxSteps: maxSteps! }),
        [SCROLL_TIMEOUT_MS, MAX_SCROLL_FRAMES],
      );
      history[length] = { ...reached, heapMB: await heapMB(cdp) };
      await page.close();
    }

    // 4. Sends in the 50,000 chat (last: the chat's newest message is then one of them).
    const sendPage = (await openByUrl(browser, server.url, big.id, 50_000)).page;
    const sends = await measureSends(sendPage, SENDS);
    await sendPage.close();
    const stored = await server.store.chats.get((await server.store.users.list())[0]!.id, big.id);
    if (stored?.messageCount !== 50_000 + SENDS) throw new Error(`expected ${50_000 + SENDS} messages stored, found ${stored?.messageCount}`);

    report({ byUrl, cpuByUrl, inApp, heapAfterOpen, heapAfterScroll, scrolledBack, sends, history, phases50k });
    console.log(`machine: ${cpus().length} cores; 1-minute load average ${loadBefore.toFixed(1)} before, ${loadavg()[0]!.toFixed(1)} after`);
  } finally {
    await browser.close();
    await server.close();
  }
}

interface Results {
  byUrl: Record<number, number[]>;
  cpuByUrl: Record<number, Array<{ tasks: number; script: number }>>;
  inApp: Record<number, number[]>;
  heapAfterOpen: Record<number, number>;
  heapAfterScroll: number;
  scrolledBack: ScrollResult;
  sends: Awaited<ReturnType<typeof measureSends>>;
  history: Record<number, ScrollResult & { heapMB: number }>;
  phases50k: Phases | null;
}

function report(r: Results) {
  const ratio = (ours: number, theirs: number) => `${(ours / theirs).toFixed(2)}x`;
  const met = (ok: boolean) => (ok ? 'yes' : 'NO');
  const rows: string[][] = [];
  for (const length of LENGTHS) {
    const ms = median(r.byUrl[length]!);
    const st = SILLYTAVERN.paint[length]!;
    rows.push([`open ${length.toLocaleString('en')} by URL → newest painted, ms`, ms.toFixed(0), String(st), ratio(ms, st), `< ${GOALS.paintMs}`, met(ms < GOALS.paintMs)]);
  }
  for (const length of LENGTHS) {
    const ms = median(r.inApp[length]!);
    rows.push([`open ${length.toLocaleString('en')} from chat list → painted, ms`, ms.toFixed(0), '', '', `< ${GOALS.paintMs}`, met(ms < GOALS.paintMs)]);
  }
  const heapOpen = r.heapAfterOpen[50_000]!;
  rows.push(['JS heap, 50,000 opened, MB', heapOpen.toFixed(1), String(SILLYTAVERN.heapMB), ratio(heapOpen, SILLYTAVERN.heapMB), `< ${GOALS.heapMB}`, met(heapOpen < GOALS.heapMB)]);
  const upBy = 50_000 - 1 - r.scrolledBack.oldestSeq;
  rows.push([
    `JS heap, 50,000 after scrolling up ${upBy.toLocaleString('en')}, MB`,
    r.heapAfterScroll.toFixed(1),
    '',
    ratio(r.heapAfterScroll, SILLYTAVERN.heapMB),
    `< ${GOALS.heapMB}`,
    met(r.heapAfterScroll < GOALS.heapMB),
  ]);
  const ack = median(r.sends.map((s) => s.ack));
  rows.push(['send in 50,000: Enter → server ack, ms', ack.toFixed(1), String(SILLYTAVERN.ackMs), ratio(ack, SILLYTAVERN.ackMs), `< ${GOALS.ackMs}`, met(ack < GOALS.ackMs)]);
  const bytes = median(r.sends.map((s) => s.body + s.headers));
  rows.push(['send request, body + headers, bytes', bytes.toFixed(0), '20,500,000', ratio(bytes, SILLYTAVERN.requestBytes), `< ${GOALS.requestBytes}`, met(bytes < GOALS.requestBytes)]);
  for (const [length, h] of Object.entries(r.history)) {
    const n = Number(length).toLocaleString('en');
    rows.push([`${n}: scroll to the first message, s`, (h.ms / 1000).toFixed(1), 'never*', '', 'reachable', met(h.reached)]);
  }
  printTable(`Web client in Chromium (medians of ${RUNS} fresh pages; ${r.sends.length} sends)`, ['measure', 'Parley', 'SillyTavern', 'ratio', 'goal', 'met'], rows);
  console.log('* SillyTavern renders the newest 100 messages; set to render all, 10,000 did not finish in 4 minutes.');

  const spread = (values: number[]) => `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;
  printTable(
    'Details',
    ['measure', 'value'],
    [
      ...LENGTHS.map((n) => [`open ${n.toLocaleString('en')} by URL, min–max ms`, spread(r.byUrl[n]!)]),
      ...LENGTHS.map((n) => [
        `open ${n.toLocaleString('en')} by URL, main-thread CPU to paint: all / JS, ms`,
        `${median(r.cpuByUrl[n]!.map((c) => c.tasks)).toFixed(0)} / ${median(r.cpuByUrl[n]!.map((c) => c.script)).toFixed(0)}`,
      ]),
      ...LENGTHS.map((n) => [`open ${n.toLocaleString('en')} from chat list, min–max ms`, spread(r.inApp[n]!)]),
      ...LENGTHS.map((n) => [`JS heap after opening ${n.toLocaleString('en')}, MB`, r.heapAfterOpen[n]!.toFixed(1)]),
      ['scroll up the 50,000 chat: s, frames', `${(r.scrolledBack.ms / 1000).toFixed(1)}, ${r.scrolledBack.steps}`],
      ...Object.entries(r.history).map(([length, h]) => [
        `${Number(length).toLocaleString('en')} history: frames, oldest seq reached, JS heap MB`,
        `${h.steps}, ${h.oldestSeq}, ${h.heapMB.toFixed(1)}`,
      ]),
      ['send: Enter → fetch called, median ms', median(r.sends.map((s) => s.queued)).toFixed(1)],
      ['send: fetch → response end, median ms', median(r.sends.map((s) => s.roundTrip)).toFixed(1)],
      ['send: Enter → status "Saved", median ms', median(r.sends.map((s) => s.saved)).toFixed(1)],
      ['send: Enter → ack, min–max ms', spread(r.sends.map((s) => s.ack))],
      ['send: body / headers, bytes', `${median(r.sends.map((s) => s.body))} / ${median(r.sends.map((s) => s.headers))}`],
    ],
  );
  if (r.phases50k) printPhases(r.phases50k);
}

/** The opening rows alone (BENCH_WEB_ONLY=open). */
function reportOpens(r: Pick<Results, 'byUrl' | 'cpuByUrl' | 'inApp' | 'phases50k'>) {
  const spread = (values: number[]) => `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;
  printTable(
    `Opening a chat in Chromium (medians of ${RUNS} fresh pages)`,
    ['measure', 'median ms', 'min–max ms', 'main-thread CPU all / JS, ms'],
    [
      ...LENGTHS.map((n) => [
        `open ${n.toLocaleString('en')} by URL → newest painted`,
        median(r.byUrl[n]!).toFixed(0),
        spread(r.byUrl[n]!),
        `${median(r.cpuByUrl[n]!.map((c) => c.tasks)).toFixed(0)} / ${median(r.cpuByUrl[n]!.map((c) => c.script)).toFixed(0)}`,
      ]),
      ...LENGTHS.map((n) => [`open ${n.toLocaleString('en')} from chat list → painted`, median(r.inApp[n]!).toFixed(0), spread(r.inApp[n]!), '']),
    ],
  );
  if (r.phases50k) printPhases(r.phases50k);
}

function printPhases(p: Phases) {
  printTable(
    'One open of the 50,000 chat by URL: when each part ended (ms since navigation start)',
    ['part', 'start', 'end'],
    [
      ['document', '0', (p.documentEnd ?? 0).toFixed(0)],
      ['app script', '', (p.scriptEnd ?? 0).toFixed(0)],
      ['DOMContentLoaded', '', (p.domContentLoaded ?? 0).toFixed(0)],
      ...p.api.map((call) => [call.path.replace(/[A-Za-z0-9_-]{16,}/g, ':id'), call.start.toFixed(0), call.end.toFixed(0)]),
      ['newest message painted', '', (p.painted ?? 0).toFixed(0)],
    ],
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
