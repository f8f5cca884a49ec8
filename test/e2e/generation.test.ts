import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeLlmServer, numberedTokens } from '../support/fake-llm-server.js';
import { messageItems, openChat, seedChat, send, serverMessages, waitSaved } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

describe('replies from a model, streamed into the chat', { skip: skipWithoutChromium }, () => {
  // Hooks run in the order they are registered: the fake model starts before the server and closes after it.
  let fake: FakeLlmServer;
  before(async () => {
    fake = await FakeLlmServer.start({ tokens: ['Hello', ',', ' world', '!'], delayMs: 20 });
  });
  const app = appInBrowser();
  after(async () => {
    await fake?.close();
  });

  test('first run: connect a model from a preset, test it, pick a model', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    const panel = page.getByRole('region', { name: 'Connect a model' });
    await panel.waitFor();
    await screenshot(page, 'first-run-connect');
    await panel.getByRole('link', { name: 'llama.cpp server' }).click();
    await page.waitForURL(/\/connections\?preset=llama-cpp/);
    await page.getByLabel('Address').fill(fake.url);
    // The new card must stay put while it is saved: if it left the page for a moment, the test's result went with it.
    await page.evaluate(() => {
      const removed: string[] = [];
      (window as unknown as { removedCards: string[] }).removedCards = removed;
      new MutationObserver((records) => {
        for (const record of records)
          for (const node of Array.from(record.removedNodes))
            if (node instanceof HTMLElement && node.matches('li.connection')) removed.push(node.textContent ?? '');
      }).observe(document.body, { childList: true, subtree: true });
    });
    await page.getByRole('button', { name: 'Add connection' }).click();
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'llama.cpp server' }) });
    await card.waitFor();
    await card.getByRole('button', { name: 'Test connection' }).click();
    await card.getByText(/Connected in \d+ ms/).waitFor();
    const models = card.getByLabel('Model');
    const options = await models.locator('option').allInnerTexts();
    const picked = options.find((o) => o !== '(none)')!;
    await models.selectOption(picked);
    await waitSaved(page);
    await screenshot(page, 'connections');
    const saved = (await (await page.request.get(`${app.server.url}/api/connections`)).json()) as Array<{ model: string; baseUrl: string }>;
    assert.equal(saved.length, 1);
    assert.equal(saved[0]!.baseUrl, fake.url);
    assert.equal(saved[0]!.model, picked);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { removedCards: string[] }).removedCards), []);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('send, stream a reply, swipe for another, stop one midway, inspect the prompt', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    const chatId = await seedChat(page, app.server.url);
    await openChat(page, app.server.url, chatId);

    await send(page, 'Say hello.');
    await messageItems(page).nth(2).getByText('Hello, world!').waitFor();
    await waitSaved(page);
    let saved = await serverMessages(page, app.server.url, chatId);
    assert.deepEqual(saved.map((m) => [m.role, m.content]).slice(1), [
      ['user', 'Say hello.'],
      ['assistant', 'Hello, world!'],
    ]);

    // Past the last swipe: another version is generated.
    fake.script = { tokens: ['Another', ' hello.'], delayMs: 20 };
    const reply = messageItems(page).nth(2);
    await reply.getByRole('button', { name: 'Generate another swipe' }).click();
    await reply.getByText('Another hello.').waitFor();
    await reply.getByText('2/2').waitFor();
    await reply.getByRole('button', { name: 'Previous swipe' }).click();
    await reply.getByText('Hello, world!').waitFor();

    // A long reply, stopped: the text so far stays.
    fake.script = { tokens: numberedTokens(400), delayMs: 25 };
    await send(page, 'Count for me.');
    const counting = messageItems(page).nth(4);
    await counting.getByText(/t5\b/).waitFor();
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached' });
    await waitSaved(page);
    saved = await serverMessages(page, app.server.url, chatId);
    const stopped = saved.at(-1)!;
    assert.equal(stopped.role, 'assistant');
    assert.match(stopped.content, /^\s?t0 t1 t2 t3 t4 t5/);
    assert.ok(stopped.content.length < numberedTokens(400).join('').length, 'stopped before the end');
    assert.equal(await counting.locator('.message-text').innerText(), stopped.content.trim());

    await page.getByRole('button', { name: 'Prompt' }).click();
    const inspector = page.getByRole('dialog', { name: 'Prompt' });
    await inspector.getByRole('img', { name: /prompt tokens used/ }).waitFor();
    await inspector.locator('.token-chart').getByText('Chat history').waitFor();
    await screenshot(page, 'prompt-inspector');
    // Every part with where it came from: the newest message sent is the last history row before the reply.
    await inspector.getByText(/Where each part came from/).click();
    const sources = inspector.locator('table.prompt-sections tbody tr');
    await sources.first().waitFor();
    const rows = await sources.allInnerTexts();
    assert.match(rows[0]!, /System prompt\s+your settings · system prompt: Default\s+system/);
    assert.match(rows.at(-1)!, /Chat history\s+message\s+user/);
    await screenshot(page, 'prompt-inspector-sources');
    await inspector.getByRole('button', { name: 'Close' }).click();
    await screenshot(page, 'chat-with-replies');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
