import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { csrfToken, messageItems, seedChat, send, waitSaved } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium } from './support/browser.js';

const COUNT = 50_000;
const BATCH = 500;

/** The numbers of the seeded messages ("message N of the long chat") that are rendered in the list. */
const renderedNumbers = (page: Page) =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll('.message-row'), (row) => Number(/message (\d+) of/.exec(row.textContent ?? '')?.[1] ?? -1)).filter(
      (n) => n >= 0,
    ),
  );

/** Whether seeded message `n` is at least partly in the list's view. */
const inView = (page: Page, n: number) =>
  page.locator('.message-scroller').evaluate((scroller, wanted) => {
    const view = scroller.getBoundingClientRect();
    const row = Array.from(scroller.querySelectorAll<HTMLElement>('.message-row')).find((r) => r.textContent?.includes(`message ${wanted} of`));
    if (!row) return false;
    const box = row.getBoundingClientRect();
    return box.bottom > view.top && box.top < view.bottom;
  }, n);

/** The seeded message at the top (or bottom) edge of the list's view. */
const edgeNumber = (page: Page, edge: 'top' | 'bottom') =>
  page.locator('.message-scroller').evaluate((scroller, which) => {
    const view = scroller.getBoundingClientRect();
    // Seeded messages only: a row still being laid out (or a loading row) at the edge has no number yet.
    const rows = Array.from(scroller.querySelectorAll<HTMLElement>('.message-row')).filter((row) => {
      const box = row.getBoundingClientRect();
      return box.bottom > view.top && box.top < view.bottom && /message \d+/.test(row.textContent ?? '');
    });
    rows.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
    const row = which === 'top' ? rows[0]! : rows.at(-1)!;
    return Number(/message (\d+)/.exec(row.textContent ?? '')![1]);
  }, edge);

/** Two animation frames: what a scroll set off has rendered. */
const frames = (page: Page) => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));

describe(`a ${COUNT.toLocaleString()}-message chat in Chromium`, { skip: skipWithoutChromium }, () => {
  const app = appInBrowser();
  let chatId: string;

  before(async () => {
    const page = await app.browser.context.newPage();
    await page.goto(app.server.url);
    chatId = await seedChat(page, app.server.url);
    const headers = { 'x-csrf-token': await csrfToken(page, app.server.url) };
    for (let start = 0; start < COUNT; start += BATCH) {
      const ops = Array.from({ length: BATCH }, (_, i) => {
        const n = start + i;
        const role = n % 2 === 0 ? 'user' : 'assistant';
        return {
          opId: `seed-op-${n}`,
          type: 'append',
          message: { id: `seed-msg-${n}`, role, name: role === 'user' ? 'User' : 'Seraphina', content: `message ${n} *of* the long chat` },
        };
      });
      const answer = await page.request.post(`${app.server.url}/api/chats/${chatId}/ops`, { headers, data: { ops } });
      assert.equal(answer.status(), 200);
    }
    await page.close();
  });

  test('opens at the newest message, keeps the DOM small, loads older pages in place, sends small', async () => {
    const page = await app.browser.context.newPage();
    await page.goto(app.server.url);
    const started = Date.now();
    await page.goto(`${app.server.url}/chats/${chatId}`);
    await page.getByText(`message ${COUNT - 1} of the long chat`).waitFor();
    const paintMs = Date.now() - started;
    const rendered = await messageItems(page).count();
    const heapMb = await page.evaluate(
      () => ((performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0) / 1e6,
    );
    console.log(`long chat: newest painted ${paintMs} ms after navigation, ${rendered} items in the DOM, heap ${heapMb.toFixed(1)} MB`);
    assert.ok(rendered < 60, `only what is in view is rendered (${rendered})`);

    // Scroll to the top three times: each time an older page arrives above, and the message the reader was
    // looking at stays where it was (the list is anchored, it does not jump).
    // Older pages answer a little late, so the reader's place is read before they arrive.
    await page.route(/\/messages\?before=/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await route.continue();
    });
    const listHeight = () => page.evaluate(() => document.querySelector<HTMLElement>('.message-list')!.getBoundingClientRect().height);
    for (let round = 1; round <= 3; round++) {
      const before = await listHeight();
      await page.locator('.message-scroller').evaluate((scroller) => scroller.scrollTo({ top: 0 }));
      await frames(page);
      const topNumber = await edgeNumber(page, 'top');
      await page.waitForFunction((height) => document.querySelector('.message-list')!.getBoundingClientRect().height > height + 1000, before);
      assert.ok(await inView(page, topNumber), `round ${round}: message ${topNumber} stayed in view while older ones loaded above`);
    }
    const loadedAbove = await page.evaluate(() => document.querySelector('.message-list')!.getBoundingClientRect().height);
    assert.ok(loadedAbove > 20_000, `older pages were added above (${Math.round(loadedAbove)} px of list)`);
    await screenshot(page, 'long-chat-scrolled-up');

    // A send in the long chat: one small request, acknowledged quickly.
    await page.locator('.message-scroller').evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    const acked = page.waitForResponse((r) => r.url().endsWith(`/api/chats/${chatId}/ops`) && r.request().method() === 'POST');
    const sentAt = Date.now();
    await send(page, 'A new message at the end of a long chat.');
    const response = await acked;
    const enterToAckMs = Date.now() - sentAt;
    await response.finished();
    const roundTripMs = response.request().timing().responseEnd;
    const bytes = Buffer.byteLength(response.request().postData() ?? '');
    console.log(
      `long chat: send acknowledged ${roundTripMs.toFixed(0)} ms after the request left (${enterToAckMs} ms from typing), request body ${bytes} bytes`,
    );
    assert.equal(response.status(), 200);
    assert.ok(bytes < 2_048, `request of ${bytes} bytes`);
    await waitSaved(page);
    await page.getByText('A new message at the end of a long chat.').waitFor();
    await page.close();
  });

  test('far back in the history the newest pages are let go, come back in place on the way down, and a send goes to the newest', async () => {
    const page = await app.browser.context.newPage();
    const newerPages: string[] = [];
    page.on('response', (response) => {
      if (/\/messages\?.*after=/.test(response.url())) newerPages.push(response.url());
    });
    await page.goto(`${app.server.url}/chats/${chatId}`);
    await page.getByText(`message ${COUNT - 1} of the long chat`).waitFor();
    const scroller = page.locator('.message-scroller');
    const idle = () => page.waitForFunction(() => document.querySelector('.page-marker') === null);
    const newestButton = page.getByRole('button', { name: 'Newest messages ↓' });

    // Up 3,300 messages, past what the page keeps: the newest messages are let go.
    const climb = async () => {
      for (let round = 0; round < 400 && Math.min(...(await renderedNumbers(page))) > COUNT - 3_300; round++) {
        await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
        await frames(page);
        await idle();
      }
      assert.ok(Math.min(...(await renderedNumbers(page))) <= COUNT - 3_300, 'scrolled up 3,300 messages');
      await newestButton.waitFor();
    };
    await climb();
    assert.equal(newerPages.length, 0, 'nothing newer was needed on the way up');
    await screenshot(page, 'long-chat-far-back');

    // A newer page that cannot be had (the network gone) is asked for again after a pause, not in a loop.
    let refused = 0;
    await page.route(/\/messages\?.*after=/, async (route) => {
      refused += 1;
      await route.abort('internetdisconnected');
    });
    await scroller.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await page.waitForTimeout(3_000);
    assert.ok(refused >= 1 && refused <= 3, `${refused} requests for the failing page in 3 s`);
    await page.unroute(/\/messages\?.*after=/);

    // Down again to the newest message: newer pages are fetched as the reader reaches the bottom (answers held back
    // a little, so the reader's place is read before they arrive), and the message in view stays there each time,
    // also when the last page makes the list whole again.
    await page.route(/\/messages\?.*after=/, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      await route.continue();
    });
    for (let round = 1; round <= 100 && (await newestButton.isVisible()); round++) {
      // On a loaded machine a scroll can land while the list is still settling and ask for nothing: scroll again,
      // from a little higher up, as a reader would (a scroll to where the view already is moves nothing).
      let bottomNumber = -1;
      for (let attempt = 1; ; attempt++) {
        if (attempt > 1) await scroller.evaluate((el) => el.scrollBy({ top: -400 }));
        await frames(page);
        await scroller.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
        await frames(page);
        bottomNumber = await edgeNumber(page, 'bottom');
        const newest = Math.max(...(await renderedNumbers(page)));
        const arrived = await page
          .waitForFunction(
            (max) => Array.from(document.querySelectorAll('.message-row'), (row) => Number(/message (\d+) of/.exec(row.textContent ?? '')?.[1] ?? -1)).some((n) => n > max),
            newest,
            { timeout: 5_000 },
          )
          .then(() => true, () => false);
        if (arrived) break;
        assert.ok(attempt < 6, `round ${round}: no newer messages came after ${attempt} scrolls to the bottom`);
      }
      await frames(page);
      assert.ok(await inView(page, bottomNumber), `round ${round}: message ${bottomNumber} stayed in view while newer ones loaded below`);
      await idle();
    }
    assert.ok(newerPages.length >= 3, `newer pages fetched on the way down (${newerPages.length})`);
    await page.unroute(/\/messages\?.*after=/);
    await newestButton.waitFor({ state: 'detached' });
    await scroller.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
    await page.getByText(`message ${COUNT - 1} of the long chat`).waitFor();

    // Up past the window again, then write: the chat goes to its newest messages, where the new one is.
    await climb();
    await send(page, 'Written far back in the history.');
    await page.getByText('Written far back in the history.').waitFor();
    await page.getByText(`message ${COUNT - 1} of the long chat`).waitFor();
    await newestButton.waitFor({ state: 'detached' });
    await waitSaved(page);
    await screenshot(page, 'long-chat-back-at-newest');
    await page.close();
  });
});
