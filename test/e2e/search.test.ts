import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, describe, test } from 'node:test';
import type { MessageRecord } from '../../src/server/store/chats-repository.js';
import { messageItems, seedChat } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

const COUNT = 50_000;
/** The message the search finds: 40,000 messages before the newest. */
const TARGET = COUNT - 40_000;

describe('search across every chat in Chromium', { skip: skipWithoutChromium }, () => {
  const app = appInBrowser();
  let chatId: string;

  before(async () => {
    const page = await app.browser.context.newPage();
    await page.goto(app.server.url);
    chatId = await seedChat(page, app.server.url, { name: 'Seraphina', first_mes: '' });
    await page.close();
    // Written straight through the store: 50,000 ops over HTTP would take minutes. The index follows by itself.
    const { store } = app.server;
    const users = await store.users.list();
    const chat = (await Promise.all(users.map((user) => store.chats.get(user.id, chatId)))).find(Boolean)!;
    const now = Date.now();
    for (let start = 0; start < COUNT; start += 5_000) {
      const rows: MessageRecord[] = [];
      for (let seq = start; seq < start + 5_000; seq++) {
        const content = seq === TARGET ? `message ${seq} of the long chat, where the moonwhistle sings <b>twice</b>` : `message ${seq} of the long chat`;
        rows.push({
          seq,
          id: randomUUID(),
          role: seq % 2 ? 'assistant' : 'user',
          name: seq % 2 ? 'Seraphina' : 'User',
          content,
          swipes: [],
          swipeIndex: 0,
          extra: {},
          imported: null,
          status: 'complete',
          revision: 1,
          hidden: false,
          bookmarkedAt: null,
          createdAt: now - (COUNT - seq) * 60_000,
        });
      }
      await store.transaction((repos) => repos.chats.insertMessages(chatId, rows));
    }
    await store.transaction((repos) => repos.chats.saveHeader({ ...chat, nextSeq: COUNT, messageCount: COUNT, updatedAt: now }));
  });

  test('a hit 40,000 messages back opens its chat at that message, highlighted; the snippet is text', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(`${app.server.url}/search`);
    await page.getByRole('searchbox', { name: 'Words to find' }).fill('moonwhistle');
    await page.getByRole('searchbox', { name: 'Words to find' }).press('Enter');
    const hit = page.getByRole('list', { name: 'Search results' }).getByRole('link');
    await hit.first().waitFor();
    assert.equal(await hit.count(), 1);
    const text = await hit.first().innerText();
    assert.match(text, /Seraphina/);
    assert.match(text, /moonwhistle/);
    // The message's markup is shown as the text it is.
    assert.match(text, /<b>twice<\/b>/);
    assert.equal(await hit.first().locator('mark').innerText(), 'moonwhistle');
    assert.equal(await hit.first().locator('b').count(), 0);
    await screenshot(page, 'search-results');

    const started = Date.now();
    await hit.first().click();
    const focused = page.locator('.message-focused');
    await focused.waitFor();
    const openMs = Date.now() - started;
    assert.match(await focused.innerText(), new RegExp(`message ${TARGET} of the long chat, where the moonwhistle`));
    // Centred in view, and the list holds a window around it, not the chat.
    const inView = await page.locator('.message-scroller').evaluate((scroller) => {
      const view = scroller.getBoundingClientRect();
      const box = scroller.querySelector('.message-focused')!.getBoundingClientRect();
      return box.top >= view.top && box.bottom <= view.bottom;
    });
    assert.ok(inView, 'the found message is on screen');
    assert.ok((await messageItems(page).count()) < 60, 'only rows in view are in the DOM');
    assert.match(page.url(), new RegExp(`/chats/${chatId}\\?at=${TARGET}$`));
    await screenshot(page, 'search-opened-hit');
    // Newer messages are a jump away; older ones load by scrolling up.
    await page.getByRole('button', { name: 'Newest messages ↓' }).waitFor();
    const older = page.getByText(`message ${TARGET - 60} of the long chat`, { exact: true });
    for (let i = 0; i < 100 && !(await older.isVisible()); i++) {
      await page.locator('.message-scroller').evaluate((scroller) => scroller.scrollBy(0, -400));
      await page.waitForTimeout(50);
    }
    await older.waitFor();
    await page.getByRole('button', { name: 'Newest messages ↓' }).click();
    await page.getByText(`message ${COUNT - 1} of the long chat`, { exact: true }).waitFor();
    assert.deepEqual(problems, []);
    console.log(`opened the hit in ${openMs} ms`);
    await page.close();
  });

  test('filters narrow the results; no match says so', async () => {
    const page = await app.browser.context.newPage();
    await page.goto(`${app.server.url}/search?q=moonwhistle&role=assistant`);
    await page.getByText('No message holds these words.').waitFor();
    await page.getByLabel('Written by').selectOption('');
    await page.getByRole('list', { name: 'Search results' }).getByRole('link').first().waitFor();
    await page.goto(`${app.server.url}/search?q=${encodeURIComponent('"* -')}`);
    await page.getByRole('alert').filter({ hasText: 'no words' }).waitFor();
    await screenshot(page, 'search-refused');
    await page.close();
  });
});
