import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { FakeLlmServer, numberedTokens } from '../support/fake-llm-server.js';
import { appendOp } from '../support/fixtures.js';
import { csrfToken, messageItems, openChat, seedChat, send, serverMessages, waitSaved } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

/** Pixels between the bottom of the message list's view and its end. */
const distanceFromEnd = (page: Page) =>
  page.evaluate(() => {
    const scroller = document.querySelector('.message-scroller')!;
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;
  });

const scrollToTop = (page: Page) =>
  page.evaluate(() => {
    document.querySelector('.message-scroller')!.scrollTop = 0;
  });

/** Waits until the list's view is at its end (bounded). */
async function atEnd(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const s = document.querySelector('.message-scroller')!;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 60;
  });
}

describe('the chat view keeps the newest message in reach', { skip: skipWithoutChromium }, () => {
  let fake: FakeLlmServer;
  before(async () => {
    fake = await FakeLlmServer.start({ tokens: ['Short', ' reply.'], delayMs: 10 });
  });
  const app = appInBrowser();
  after(async () => {
    await fake?.close();
  });

  /** A chat of 40 messages (scrolls on any screen) and a connection to the fake model. */
  async function longChat(page: Page): Promise<string> {
    await page.goto(app.server.url);
    const chatId = await seedChat(page, app.server.url);
    const headers = { 'x-csrf-token': await csrfToken(page, app.server.url) };
    const ops = Array.from({ length: 40 }, (_, i) => appendOp(`Line ${i}: ${'words '.repeat(20)}`, i % 2 ? 'assistant' : 'user'));
    assert.equal((await page.request.post(`${app.server.url}/api/chats/${chatId}/ops`, { headers, data: { ops } })).status(), 200);
    const connections = (await (await page.request.get(`${app.server.url}/api/connections`)).json()) as unknown[];
    if (connections.length === 0) {
      const data = { id: 'fake-conn', name: 'Fake', api: 'chat-completions', baseUrl: fake.url, model: 'fake-model' };
      assert.equal((await page.request.post(`${app.server.url}/api/connections`, { headers, data })).status(), 201);
    }
    return chatId;
  }

  test('send while scrolled up goes to the newest message; newer text out of view offers "New messages ↓"', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    const chatId = await longChat(page);
    await openChat(page, app.server.url, chatId);
    await atEnd(page);

    await scrollToTop(page);
    assert.ok((await distanceFromEnd(page)) > 500, 'scrolled up');
    fake.script = { tokens: ['Short', ' reply.'], delayMs: 10 };
    await send(page, 'Written from far up.');
    await messageItems(page).filter({ hasText: 'Short reply.' }).waitFor();
    await atEnd(page);
    await page.getByText('Written from far up.').waitFor();

    // A long reply streams while the reader goes up to read: a button, not a jump, brings them down.
    fake.script = { tokens: numberedTokens(200), delayMs: 25 };
    await send(page, 'Count.');
    await messageItems(page).last().getByText(/t3\b/).waitFor();
    await scrollToTop(page);
    const button = page.getByRole('button', { name: 'New messages ↓' });
    await button.waitFor();
    assert.ok((await distanceFromEnd(page)) > 500, 'the reader stays where they are');
    await screenshot(page, 'new-messages-button');
    await button.click();
    await atEnd(page);
    await button.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached' });
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a failed reply shows its error above the composer with Retry; the last messages stay in view', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    const chatId = await longChat(page);
    await openChat(page, app.server.url, chatId);
    fake.script = { status: 500, errorMessage: 'the model is down' };
    await send(page, 'Are you there?');
    const alert = page.getByRole('alert').filter({ hasText: /./ });
    await alert.getByRole('button', { name: 'Retry' }).waitFor();
    await atEnd(page);
    // The notice sits between the list and the composer: the user's message is fully visible above it.
    const sent = await messageItems(page).filter({ hasText: 'Are you there?' }).boundingBox();
    const notice = await alert.boundingBox();
    assert.ok(sent && notice && sent.y + sent.height <= notice.y + 1, `the notice covers the last message: ${JSON.stringify({ sent, notice })}`);
    await screenshot(page, 'failed-reply-retry');

    fake.script = { tokens: ['Here', ' now.'], delayMs: 10 };
    await alert.getByRole('button', { name: 'Retry' }).click();
    await messageItems(page).last().getByText('Here now.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Retry' }).count(), 0);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a message sent before the connections have loaded still gets its reply', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    const chatId = await longChat(page);
    // The connections answer only after Enter: the screen cannot know yet whether a reply can be asked for.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/connections', async (route) => {
      await held;
      await route.continue();
    });
    await openChat(page, app.server.url, chatId);
    fake.script = { tokens: ['Late', ' but here.'], delayMs: 10 };
    await send(page, 'Quick, before it loads.');
    release();
    await messageItems(page).last().getByText('Late but here.').waitFor();
    await waitSaved(page);
    const saved = await serverMessages(page, app.server.url, chatId);
    assert.deepEqual(saved.slice(-2).map((m) => [m.role, m.content]), [
      ['user', 'Quick, before it loads.'],
      ['assistant', 'Late but here.'],
    ]);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('after deleting the last reply, Regenerate on the last message writes a new one', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    const chatId = await longChat(page);
    await openChat(page, app.server.url, chatId);
    fake.script = { tokens: ['First', ' answer.'], delayMs: 10 };
    await send(page, 'Answer me.');
    const reply = messageItems(page).last();
    await reply.getByText('First answer.').waitFor();
    await waitSaved(page);
    await reply.getByRole('button', { name: 'Delete message' }).click();
    await page.getByRole('dialog', { name: 'Delete message' }).getByRole('button', { name: 'Delete' }).click();
    const last = messageItems(page).last();
    await last.getByText('Answer me.').waitFor();
    fake.script = { tokens: ['Second', ' answer.'], delayMs: 10 };
    await last.getByRole('button', { name: 'Regenerate' }).click();
    await messageItems(page).last().getByText('Second answer.').waitFor();
    await waitSaved(page);
    const saved = await serverMessages(page, app.server.url, chatId);
    assert.deepEqual(saved.slice(-2).map((m) => [m.role, m.content]), [
      ['user', 'Answer me.'],
      ['assistant', 'Second answer.'],
    ]);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
