import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { FakeLlmServer } from '../support/fake-llm-server.js';
import { newId } from '../support/fixtures.js';
import { csrfToken, messageItems, openChat, seedChat, send, waitSaved } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

async function connect(page: Page, baseUrl: string, fake: FakeLlmServer, name: string) {
  const headers = { 'x-csrf-token': await csrfToken(page, baseUrl) };
  const created = await page.request.post(`${baseUrl}/api/connections`, {
    headers,
    data: { id: newId(), name, api: 'chat-completions', baseUrl: fake.url, model: `${name.toLowerCase()}-model` },
  });
  assert.equal(created.status(), 201);
}

const PRESET = {
  temperature: 0.8,
  new_chat_prompt: '[Chat begins]',
  prompts: [
    { identifier: 'main', name: 'Main Prompt', system_prompt: true, role: 'system', content: 'Play {{char}}.' },
    { identifier: 'nsfw', name: 'Auxiliary Prompt', system_prompt: true, role: 'system', content: 'AUX' },
    { identifier: 'charDescription', name: 'Char Description', system_prompt: true, marker: true },
    { identifier: 'chatHistory', name: 'Chat History', system_prompt: true, marker: true },
  ],
  prompt_order: [
    {
      character_id: 100001,
      order: [
        { identifier: 'main', enabled: true },
        { identifier: 'charDescription', enabled: true },
        { identifier: 'nsfw', enabled: true },
        { identifier: 'chatHistory', enabled: true },
      ],
    },
  ],
};

describe('the prompt manager and a model per chat, in the browser', { skip: skipWithoutChromium }, () => {
  let first: FakeLlmServer;
  let second: FakeLlmServer;
  before(async () => {
    first = await FakeLlmServer.start({ tokens: ['One', '.'], delayMs: 5 });
    second = await FakeLlmServer.start({ tokens: ['Two', '.'], delayMs: 5 });
  });
  const app = appInBrowser();
  after(async () => {
    await first?.close();
    await second?.close();
  });

  test('an imported preset, reordered and edited, lays out what the chosen model of the chat receives', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    const chatId = await seedChat(page, app.server.url, { description: 'DESC', personality: '', scenario: '', system_prompt: '', first_mes: 'Hello.' });
    await connect(page, app.server.url, first, 'First');
    await connect(page, app.server.url, second, 'Second');

    await page.goto(`${app.server.url}/settings`);
    const manager = page.locator('fieldset.prompt-manager');
    await manager.locator('input[type=file]').setInputFiles({ name: 'Story mode.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(PRESET)) });
    await manager.getByRole('combobox', { name: 'Preset' }).locator('option:checked', { hasText: 'Story mode' }).waitFor({ state: 'attached' });
    // The description goes above the main prompt, the Auxiliary Prompt off; a prompt of our own in the chat at depth 0.
    await manager.locator('li', { hasText: 'Char Description' }).getByRole('button', { name: 'Move up' }).click();
    await waitSaved(page);
    // The box follows the outbox (it shows what is saved or waiting): on a loaded machine a beat after the click.
    const auxiliary = manager.getByRole('checkbox', { name: 'Send Auxiliary Prompt' });
    await auxiliary.click();
    await page.waitForFunction((box) => !(box as HTMLInputElement).checked, await auxiliary.elementHandle());
    await waitSaved(page);
    await manager.getByRole('button', { name: 'Add a prompt' }).click();
    const editor = manager.locator('.prompt-manager-editor');
    await editor.locator('label.field', { hasText: /^Text/ }).locator('textarea').fill('Be brief, {{user}}.');
    await editor.locator('label.field', { hasText: /^Text/ }).locator('textarea').blur();
    await editor.getByRole('combobox', { name: 'Role' }).selectOption('user');
    await editor.getByRole('combobox', { name: 'Place' }).selectOption('chat');
    // Each change sends the preset's whole list of prompts: wait for the server to take the last one (the depth),
    // not for a "Saved" that an earlier change may still be showing.
    const depthSaved = page.waitForResponse(
      (response) =>
        response.url().endsWith('/api/settings') &&
        response.request().method() === 'PATCH' &&
        (response.request().postData() ?? '').includes('"injection_depth":0') &&
        response.ok(),
    );
    await editor.getByRole('spinbutton', { name: 'Depth' }).fill('0');
    await depthSaved;
    await waitSaved(page);
    await screenshot(page, 'prompt-manager');

    await openChat(page, app.server.url, chatId);
    // The chat takes the second model; the header says so and where it comes from.
    await page.locator('.chat-choices').click();
    const dialog = page.getByRole('dialog', { name: 'For this chat' });
    // Text completion's templates and sampler presets can be chosen here too (bundled ones listed).
    await dialog.getByRole('combobox', { name: 'Instruct template (text completion) for this chat' }).locator('option', { hasText: 'Llama 3' }).first().waitFor({ state: 'attached' });
    await dialog.getByRole('combobox', { name: 'Connection for this chat' }).selectOption({ label: 'Second (second-model)' });
    await waitSaved(page);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.locator('.chat-choices', { hasText: 'Second · from this chat' }).waitFor();

    await send(page, 'Where to?');
    await messageItems(page).nth(2).getByText('Two.').waitFor();
    assert.equal(first.requests.filter((r) => r.method === 'POST').length, 0);
    assert.deepEqual(
      (second.lastCompletion().messages as { role: string; content: string }[]).map((m) => `${m.role}: ${m.content}`),
      ['system: DESC', 'system: Play Seraphina.', 'system: [Chat begins]', 'assistant: Hello.', 'user: Where to?', 'user: Be brief, User.'],
    );
    assert.deepEqual(problems, []);
    await page.close();
  });
});
