import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeAnthropicServer } from '../support/fake-anthropic-server.js';
import { csrfToken, messageItems, openChat, seedChat, send, serverMessages, until } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

describe('reasoning, Claude options and usage in the browser', { skip: skipWithoutChromium }, () => {
  let claude: FakeAnthropicServer;
  before(async () => {
    claude = await FakeAnthropicServer.start();
  });
  const app = appInBrowser();
  after(async () => {
    await claude?.close();
  });

  test('a Claude reply shows its reasoning collapsed above it; it can be opened, edited and is not re-sent', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    const chatId = await seedChat(page, app.server.url);
    const headers = { 'x-csrf-token': await csrfToken(page, app.server.url) };
    const created = await page.request.post(`${app.server.url}/api/connections`, {
      headers,
      data: {
        id: 'claude-conn-1',
        name: 'Claude',
        api: 'anthropic',
        baseUrl: claude.url,
        apiKey: 'sk-ant-browser-test-key-1234',
        model: 'claude-sonnet-4-5',
        settings: { reasoning_effort: 'low', price_input: 3, price_output: 15 },
      },
    });
    assert.equal(created.status(), 201);
    claude.script = {
      thinking: ['The traveller greets me. ', 'I should answer warmly.'],
      text: ['Welcome', ' to the glade.'],
      delayMs: 40,
      usage: { input_tokens: 900, output_tokens: 120 },
    };
    await openChat(page, app.server.url, chatId);
    await send(page, 'Hello, is anyone there?');
    const reply = messageItems(page).last();
    await reply.getByText('Welcome to the glade.').waitFor();
    const block = reply.locator('details.reasoning');
    await block.waitFor();
    assert.equal(await block.getAttribute('open'), null, 'collapsed by default');
    await block.locator('summary').click();
    await block.getByText('I should answer warmly.').waitFor();
    await screenshot(page, 'reasoning-open');

    await block.getByRole('button', { name: 'Edit reasoning' }).click();
    await block.getByRole('textbox', { name: 'Reasoning' }).fill('Answer warmly, briefly.');
    await block.getByRole('button', { name: 'Save' }).click();
    await until(() => true);
    let stored: Array<{ extra?: Record<string, unknown> }> = [];
    for (let i = 0; i < 100; i++) {
      stored = (await serverMessages(page, app.server.url, chatId)) as typeof stored;
      if (stored.at(-1)?.extra?.reasoning === 'Answer warmly, briefly.') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(stored.at(-1)?.extra?.reasoning, 'Answer warmly, briefly.');

    claude.script = { text: ['Again.'] };
    await send(page, 'Tell me more.');
    await messageItems(page).last().getByText('Again.').waitFor();
    assert.ok(!JSON.stringify(claude.lastBody()).includes('warmly'), 'the reasoning is never sent back');

    await page.setViewportSize({ width: 390, height: 800 });
    await page.locator('details.reasoning summary').first().scrollIntoViewIfNeeded();
    await screenshot(page, 'reasoning-phone');
    await page.setViewportSize({ width: 1280, height: 860 });

    await page.goto(`${app.server.url}/connections`);
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Claude' }) });
    await card.getByRole('button', { name: 'Usage' }).click();
    await card.getByRole('img', { name: 'Tokens per day' }).waitFor();
    await card.getByText('Estimated cost').waitFor();
    await screenshot(page, 'usage-connection');
    assert.deepEqual(problems, []);
  });

  test('the Claude preset shows Claude\'s options; Gemini its safety setting', async () => {
    const page = await app.browser.context.newPage();
    await page.goto(`${app.server.url}/connections?preset=anthropic`);
    await page.getByText('Start replies with').waitFor();
    await page.getByText('Cache the history at depth').waitFor();
    assert.equal(await page.getByLabel('Address').inputValue(), 'https://api.anthropic.com/v1');
    await screenshot(page, 'connection-form-claude');
    await page.goto(`${app.server.url}/connections?preset=google`);
    await page.getByLabel('Safety filters').waitFor();
    assert.equal(await page.getByLabel('Safety filters').inputValue(), 'BLOCK_NONE');
    await page.setViewportSize({ width: 390, height: 800 });
    await screenshot(page, 'connection-form-gemini-phone');
  });
});
