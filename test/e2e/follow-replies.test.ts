import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { FakeLlmServer, numberedTokens } from '../support/fake-llm-server.js';
import { csrfToken, messageItems, openChat, seedChat, send, serverMessages } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { openBrowser, screenshot, skipWithoutChromium, watchPage, type TestBrowser } from './support/browser.js';

/** The reply of a long count: t0 t1 ... streamed slowly enough to reload, leave and come back mid-way. */
const COUNT = numberedTokens(600);

/** The number of the last token a message shows, or -1. */
async function lastToken(page: Page, nth: number): Promise<number> {
  const text = await messageItems(page).nth(nth).locator('.message-text').innerText();
  const all = [...text.matchAll(/t(\d+)/g)];
  return all.length ? Number(all.at(-1)![1]) : -1;
}

/** Waits until a message shows tokens beyond `after`: it is streaming live in this page. */
async function streamsPast(page: Page, nth: number, after: number): Promise<number> {
  const pattern = new RegExp(`t(${after + 1}|${after + 2}|${after + 3})\\b`);
  await messageItems(page).nth(nth).locator('.message-text').getByText(pattern).waitFor();
  return lastToken(page, nth);
}

describe('a reply being written is followed wherever its chat is open', { skip: skipWithoutChromium }, () => {
  let fake: FakeLlmServer;
  let second: TestBrowser;
  before(async () => {
    fake = await FakeLlmServer.start({ tokens: COUNT, delayMs: 30 });
  });
  const app = appInBrowser();
  after(async () => {
    await second?.close();
    await fake?.close();
  });

  async function chatWithModel(page: Page): Promise<string> {
    await page.goto(app.server.url);
    const chatId = await seedChat(page, app.server.url);
    const headers = { 'x-csrf-token': await csrfToken(page, app.server.url) };
    const connections = (await (await page.request.get(`${app.server.url}/api/connections`)).json()) as unknown[];
    if (connections.length === 0) {
      const created = await page.request.post(`${app.server.url}/api/connections`, {
        headers,
        data: { id: 'fake-llm-conn', name: 'Fake', api: 'chat-completions', baseUrl: fake.url, model: 'fake-model' },
      });
      assert.equal(created.status(), 201);
    }
    return chatId;
  }

  test('after a reload, after leaving and coming back: the reply streams on, with Stop', async () => {
    fake.script = { tokens: COUNT, delayMs: 30 };
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    const chatId = await chatWithModel(page);
    await openChat(page, app.server.url, chatId);
    await send(page, 'Count for me.');
    await streamsPast(page, 2, 5);

    await page.reload();
    await messageItems(page).nth(2).waitFor();
    const afterReload = await lastToken(page, 2);
    const live = await streamsPast(page, 2, afterReload + 5);
    assert.ok(live > afterReload, 'the reply goes on streaming after the reload');
    await page.getByRole('button', { name: 'Stop' }).waitFor();
    await screenshot(page, 'reattached-after-reload');

    await page.getByRole('link', { name: /^Back to / }).click();
    await page.waitForURL(/\/characters\//);
    await page.goBack();
    await messageItems(page).nth(2).waitFor();
    const back = await lastToken(page, 2);
    await streamsPast(page, 2, back + 5);

    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached' });
    await messageItems(page).nth(2).getByText('stopped').waitFor();
    const saved = await serverMessages(page, app.server.url, chatId);
    assert.equal(saved.length, 3);
    assert.ok(saved[2]!.content.length < COUNT.join('').length, 'stopped before the end');
    assert.equal(saved[2]!.status, 'complete');
    assert.equal(saved[2]!.extra.stopped, true);
    // The mark is stored with the reply: it is still there after a reload.
    await page.reload();
    await messageItems(page).nth(2).getByText('stopped').waitFor();
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('another browser follows the reply live and stops it; the first browser sees it stop', async () => {
    fake.script = { tokens: COUNT, delayMs: 30 };
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    const chatId = await chatWithModel(page);
    await openChat(page, app.server.url, chatId);

    // A second browser profile signed in as the same (single) user: another device.
    second = await openBrowser();
    const other = await second.context.newPage();
    const otherProblems = watchPage(other);
    await other.goto(app.server.url);
    await openChat(other, app.server.url, chatId);

    await send(page, 'Count for me.');
    await streamsPast(page, 2, 3);
    // The other device learns of it from the live change feed, without reloading.
    const seen = await streamsPast(other, 2, 3);
    await streamsPast(other, 2, seen + 5);
    await other.getByRole('button', { name: 'Stop' }).waitFor();
    await screenshot(other, 'followed-on-another-device');

    // Regenerate there while it runs: offered to stop it first; cancelled, nothing changes.
    await messageItems(other).nth(2).getByRole('button', { name: 'Regenerate' }).click();
    const offer = other.getByRole('dialog', { name: 'A reply is being written' });
    await offer.waitFor();
    await offer.getByRole('button', { name: 'Cancel' }).click();

    await other.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached' });
    await other.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached' });
    const saved = await serverMessages(page, app.server.url, chatId);
    const stored = saved[2]!.content.trim();
    await messageItems(page).nth(2).getByText('stopped').waitFor();
    // Both show what the server stored, no more and no less.
    for (const p of [page, other]) {
      await p.waitForFunction(
        (expected) => document.querySelectorAll('.message-text')[2]?.textContent?.trim() === expected,
        stored,
      );
    }
    assert.ok(stored.length < COUNT.join('').length);

    // Regenerate now works from the other device.
    fake.script = { tokens: ['A', ' fresh', ' reply.'], delayMs: 10 };
    await messageItems(other).nth(2).getByRole('button', { name: 'Regenerate' }).click();
    await messageItems(other).nth(2).getByText('A fresh reply.').waitFor();
    await messageItems(page).nth(2).getByText('A fresh reply.').waitFor();
    assert.deepEqual(problems, []);
    assert.deepEqual(otherProblems, []);
    await page.close();
    await other.close();
  });

  test('Regenerate while a reply runs: stop it first, then a new swipe is written', async () => {
    fake.script = { tokens: COUNT, delayMs: 30 };
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    const chatId = await chatWithModel(page);
    await openChat(page, app.server.url, chatId);
    await send(page, 'Count for me.');
    await streamsPast(page, 2, 3);
    fake.script = { tokens: ['Second', ' thoughts.'], delayMs: 10 };
    await messageItems(page).nth(2).getByRole('button', { name: 'Regenerate' }).click();
    const offer = page.getByRole('dialog', { name: 'A reply is being written' });
    await offer.getByRole('button', { name: 'Stop and regenerate' }).click();
    await messageItems(page).nth(2).getByText('Second thoughts.').waitFor();
    await messageItems(page).nth(2).getByText('2/2').waitFor();
    const saved = await serverMessages(page, app.server.url, chatId);
    assert.equal(saved[2]!.swipes.length, 2);
    assert.match(saved[2]!.swipes[0]!, /^t0 t1 t2/);
    assert.equal(saved[2]!.swipes[1], 'Second thoughts.');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
