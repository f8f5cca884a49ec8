import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { FakeLlmServer, numberedTokens } from '../support/fake-llm-server.js';
import { csrfToken, messageItems, openChat, seedChat, send, serverMessages, waitSaved } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

const PHONE = { width: 390, height: 844 };
/** The smallest tap target phone guidelines allow (Apple's 44 pt). */
const TAP_PX = 44;

/** A finger moving sideways across an element, as Chromium's touch input delivers it. */
async function swipe(page: Page, selector: string, nth: number, dx: number): Promise<void> {
  const box = await page.locator(selector).nth(nth).boundingBox();
  assert.ok(box, 'the element is on screen');
  const y = box.y + box.height / 2;
  const x0 = box.x + box.width / 2 - dx / 2;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: x0, y }] });
  for (let step = 1; step <= 5; step++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: x0 + (dx * step) / 5, y: y + step }] });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

/** Every visible control of the chat screen smaller than a fingertip, described. */
async function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate((min) => {
    const controls = document.querySelectorAll<HTMLElement>('.chat-view button, .chat-view summary, .chat-view a, .chat-view textarea');
    const small: string[] = [];
    for (const el of Array.from(controls)) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0 || getComputedStyle(el).visibility === 'hidden') continue;
      if (box.height < min - 0.5 || box.width < min - 0.5) {
        small.push(`${el.tagName} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim()}" ${Math.round(box.width)}x${Math.round(box.height)}`);
      }
    }
    return small;
  }, TAP_PX);
}

describe('the chat on a phone, and its keys on a desktop', { skip: skipWithoutChromium }, () => {
  let fake: FakeLlmServer;
  before(async () => {
    fake = await FakeLlmServer.start({ tokens: ['First', ' version.'], delayMs: 10 });
  });
  const app = appInBrowser({}, { viewport: PHONE });
  after(async () => {
    await fake?.close();
  });

  async function chatWithModel(page: Page): Promise<string> {
    await page.goto(app.server.url);
    const chatId = await seedChat(page, app.server.url);
    const headers = { 'x-csrf-token': await csrfToken(page, app.server.url) };
    const connections = (await (await page.request.get(`${app.server.url}/api/connections`)).json()) as unknown[];
    if (connections.length === 0) {
      const data = { id: 'fake-conn', name: 'Fake', api: 'chat-completions', baseUrl: fake.url, model: 'fake-model' };
      assert.equal((await page.request.post(`${app.server.url}/api/connections`, { headers, data })).status(), 201);
    }
    return chatId;
  }

  test('390 px: the composer keeps its width while a reply streams, targets fit a finger, swipes change versions', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    const chatId = await chatWithModel(page);
    await openChat(page, app.server.url, chatId);
    const box = page.getByRole('textbox', { name: 'Message' });
    const idleWidth = (await box.boundingBox())!.width;
    assert.ok(idleWidth > PHONE.width * 0.55, `the message box is ${idleWidth}px wide`);
    assert.equal(await page.getByRole('button', { name: 'Impersonate' }).count(), 0, 'Impersonate waits in a menu');

    fake.script = { tokens: numberedTokens(300), delayMs: 25 };
    await send(page, 'Count.');
    await messageItems(page).nth(2).getByText(/t3\b/).waitFor();
    await page.getByRole('button', { name: 'Stop' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Send' }).count(), 0, 'Stop takes the place of Send');
    // The chat took its name from the first words sent, and the browser tab says it.
    await page.waitForFunction(() => document.title === 'Count. · Parley');
    assert.equal((await box.boundingBox())!.width, idleWidth, 'the box keeps its width while the reply streams');
    assert.deepEqual(await smallTargets(page), []);
    await screenshot(page, 'phone-streaming');
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('button', { name: 'Send' }).waitFor();
    await waitSaved(page);

    // The menu holds Impersonate.
    await page.getByLabel('More actions').click();
    await page.getByRole('button', { name: 'Impersonate' }).waitFor();
    await screenshot(page, 'phone-composer-menu');
    await page.getByLabel('More actions').click();
    assert.deepEqual(await smallTargets(page), []);

    // A finger to the left on the last reply: past its last version, another is written; to the right, back.
    fake.script = { tokens: ['Second', ' version.'], delayMs: 10 };
    await swipe(page, '.message-swipeable', 0, -150);
    const reply = messageItems(page).nth(2);
    await reply.getByText('Second version.').waitFor();
    await reply.getByText('2/2').waitFor();
    assert.equal(await reply.getByText('stopped', { exact: true }).count(), 0, 'the new version was not stopped');
    await waitSaved(page);
    await swipe(page, '.message-swipeable', 0, 150);
    await reply.getByText('1/2').waitFor();
    await reply.getByText(/^t0 t1/).waitFor();
    await swipe(page, '.message-swipeable', 0, -150);
    await reply.getByText('2/2').waitFor();
    // A short or mostly vertical move is not a swipe.
    await swipe(page, '.message-swipeable', 0, -30);
    await waitSaved(page);
    const saved = await serverMessages(page, app.server.url, chatId);
    assert.equal(saved[2]!.swipes.length, 2);
    assert.equal(saved[2]!.swipeIndex, 1);
    await screenshot(page, 'phone-after-swipes');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('keys: ←/→ swipe the last reply, ↑ in an empty box edits the last message, Esc stops a reply', async () => {
    const page = await app.browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 860 });
    const problems = watchPage(page);
    const chatId = await chatWithModel(page);
    await openChat(page, app.server.url, chatId);
    fake.script = { tokens: ['One', '.'], delayMs: 10 };
    await send(page, 'Hello.');
    const reply = messageItems(page).nth(2);
    await reply.getByText('One.').waitFor();
    await waitSaved(page);

    await page.locator('.message-list').click({ position: { x: 5, y: 5 } });
    fake.script = { tokens: ['Two', '.'], delayMs: 10 };
    await page.keyboard.press('ArrowRight');
    await reply.getByText('Two.').waitFor();
    await reply.getByText('2/2').waitFor();
    await waitSaved(page);
    await page.keyboard.press('ArrowLeft');
    await reply.getByText('1/2').waitFor();
    await reply.getByText('One.').waitFor();

    // In the message box the arrows move the caret, not the swipes; ↑ in the empty box edits the user's last message.
    const box = page.getByRole('textbox', { name: 'Message' });
    await box.fill('draft');
    await box.press('ArrowLeft');
    await reply.getByText('1/2').waitFor();
    await box.fill('');
    await box.press('ArrowUp');
    const editor = messageItems(page).nth(1).getByRole('textbox', { name: 'Edit message' });
    await editor.waitFor();
    assert.equal(await editor.inputValue(), 'Hello.');
    await editor.press('Escape');
    await editor.waitFor({ state: 'detached' });

    fake.script = { tokens: numberedTokens(300), delayMs: 25 };
    await send(page, 'Count.');
    await messageItems(page).nth(4).getByText(/t3\b/).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached' });
    await waitSaved(page);
    const saved = await serverMessages(page, app.server.url, chatId);
    assert.ok(saved[4]!.content.length < numberedTokens(300).join('').length, 'Escape stopped the reply');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
