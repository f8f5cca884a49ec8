/**
 * A library of 20,000 cards: the round trip of `GET /api/library` for the first page (each order), a search and a
 * tag folder; the first card painted in Chromium from `page.goto('/')`; and card imports per second through
 * `POST /api/characters/import` (JSON cards, one request each, as the web client sends them).
 */
import type { BrowserContext } from 'playwright-core';
import { makeCard } from '../test/support/fixtures.js';
import { TestClient } from '../test/support/http-client.js';
import { seedLibrary } from '../test/support/library-seed.js';
import { startTestServer } from '../test/support/test-server.js';
import { ensureWebBuilt, openBrowser, skipWithoutChromium } from '../test/e2e/support/browser.js';
import { median, printTable } from './stats.js';

const CARDS = Number(process.env.BENCH_LIBRARY_CARDS ?? 20_000);
const RUNS = Number(process.env.BENCH_LIBRARY_RUNS ?? 15);
const IMPORTS = Number(process.env.BENCH_LIBRARY_IMPORTS ?? 300);

/**
 * Run in the page before its scripts (a string: tsx must not rewrite it): resolves with the page's own time
 * (ms since navigation began) of the frame that first shows a card with a size, as the web-client bench does.
 */
export const FIRST_CARD_PROBE = String.raw`
window.firstCardPainted = new Promise((resolve) => {
  const look = () => {
    const card = document.querySelector('.character-card');
    if (card && card.getBoundingClientRect().height > 0) setTimeout(() => resolve(performance.now()), 0);
    else if (performance.now() > 60000) resolve(-1);
    else requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
});
`;

/** A fresh tab's `page.goto(url)` to the first card painted (ms since navigation began, by the page's clock). */
export async function openLibrary(context: BrowserContext, url: string): Promise<number> {
  const page = await context.newPage();
  await page.addInitScript(FIRST_CARD_PROBE);
  await page.goto(url);
  const at = Number(await page.evaluate('window.firstCardPainted'));
  if (at < 0) throw new Error('no card painted within 60 s');
  await page.close();
  return at;
}

/** The cursor a client scrolling to page `n` (of 60, by recent chat) holds: a keyset since the review of issue 14,
 *  which the row count of the row above no longer is (it measures what an older client's cursor gets). */
async function cursorOfPage(client: TestClient, n: number): Promise<string> {
  let cursor: string | null = null;
  for (let i = 1; i < n; i++) cursor = (await client.get(`/api/library${cursor ? `?cursor=${cursor}` : ''}`)).body.nextCursor;
  if (!cursor) throw new Error(`no page ${n}`);
  return cursor;
}

export async function run() {
  ensureWebBuilt();
  const server = await startTestServer({ config: { logLevel: 'warn' } });
  const client = new TestClient(server.url);
  const rows: string[][] = [];
  try {
    await client.session();
    const seeded = performance.now();
    await seedLibrary(server.store, CARDS);
    console.log(`  ${CARDS.toLocaleString('en')} cards written through the store in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
    const queries: Array<[string, string]> = [
      ['first page, recent chat', ''],
      ['first page, by name', 'sort=name'],
      ['first page, date added', 'sort=added'],
      ['search "1234"', 'q=1234'],
      ['search with no match', 'q=nobody-has-this'],
      ['tag folder (1,000 cards)', 'tag=tag-07'],
      ['tag folder + search', 'tag=tag-07&q=creator%2012'],
      ['page 100 of 60 (deep cursor)', 'cursor=5940'],
      ['page 100 of 60 (the cursor page 99 gave)', `cursor=${await cursorOfPage(client, 100)}`],
    ];
    for (const [label, query] of queries) {
      const times: number[] = [];
      let total = 0;
      for (let i = 0; i <= RUNS; i++) {
        const started = performance.now();
        const reply = await client.get(`/api/library?${query}`);
        if (reply.status !== 200) throw new Error(`${query}: ${reply.status}`);
        if (i > 0) times.push(performance.now() - started);
        total = reply.body.total;
      }
      rows.push([label, total.toLocaleString('en'), times.length.toString(), median(times).toFixed(1), Math.max(...times).toFixed(1)]);
    }
    const tagTimes: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const started = performance.now();
      await client.get('/api/library/tags');
      if (i > 0) tagTimes.push(performance.now() - started);
    }
    rows.push(['tag list with counts', '40', tagTimes.length.toString(), median(tagTimes).toFixed(1), Math.max(...tagTimes).toFixed(1)]);

    if (skipWithoutChromium) console.log(`  first paint not measured: ${skipWithoutChromium}`);
    else {
      const browser = await openBrowser();
      try {
        const warm = await browser.context.newPage();
        await warm.goto(server.url);
        await warm.locator('.character-card').first().waitFor();
        const paints: number[] = [];
        for (let i = 0; i < Math.min(RUNS, 7); i++) paints.push(await openLibrary(browser.context, server.url));
        rows.push(['Chromium: first card painted', CARDS.toLocaleString('en'), paints.length.toString(), median(paints).toFixed(1), Math.max(...paints).toFixed(1)]);
      } finally {
        await browser.close();
      }
    }

    const started = performance.now();
    for (let i = 0; i < IMPORTS; i++) {
      const form = new FormData();
      const card = makeCard({ name: `Imported ${i}`, tags: ['imported'] });
      form.append('file', new Blob([JSON.stringify(card)], { type: 'application/json' }), `Imported ${i}.json`);
      const reply = await client.post('/api/characters/import', form);
      if (reply.status !== 201) throw new Error(`import: ${reply.status} ${JSON.stringify(reply.body)}`);
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`  imported ${IMPORTS} JSON cards one request each into the ${CARDS.toLocaleString('en')}-card library: ` +
      `${(IMPORTS / seconds).toFixed(0)} cards/s (20,000 cards: ${((20_000 / IMPORTS) * seconds / 60).toFixed(1)} min)`);
  } finally {
    await server.close();
  }
  printTable(`Library of ${CARDS.toLocaleString('en')} cards (GET /api/library round trip, 60 a page, ms)`, ['query', 'matches', 'runs', 'median', 'max'], rows);
  console.log('goals: first paint under 300 ms, search and tag filters under 100 ms');
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
