import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { FakeLlmServer } from '../support/fake-llm-server.js';
import { newId } from '../support/fixtures.js';
import { csrfToken, messageItems, openChat, seedChat, send, waitSaved } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

async function connect(page: Page, baseUrl: string, fake: FakeLlmServer) {
  const headers = { 'x-csrf-token': await csrfToken(page, baseUrl) };
  const created = await page.request.post(`${baseUrl}/api/connections`, {
    headers,
    data: { id: newId(), name: 'Fake', api: 'chat-completions', baseUrl: fake.url, model: 'fake-model' },
  });
  assert.equal(created.status(), 201);
}

const sent = (fake: FakeLlmServer) => (fake.lastCompletion().messages as { role: string; content: string }[]).map((m) => `${m.role}: ${m.content}`);

describe('prompt settings and the Author\'s Note, in the browser', { skip: skipWithoutChromium }, () => {
  let fake: FakeLlmServer;
  before(async () => {
    fake = await FakeLlmServer.start({ tokens: ['Yes', '.'], delayMs: 5 });
  });
  const app = appInBrowser();
  after(async () => {
    await fake?.close();
  });

  test('a new system prompt preset, post-history instructions and a chat\'s note reach the model where they were put', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    const chatId = await seedChat(page, app.server.url, { description: 'DESC', personality: '', scenario: '', system_prompt: '', first_mes: 'Hello.' });
    await connect(page, app.server.url, fake);

    await page.goto(`${app.server.url}/settings`);
    const panel = page.getByRole('region', { name: 'Prompt' });
    // A label's name includes the text of the box it holds, so boxes are found by their label's opening words.
    const box = (scope: typeof panel, label: RegExp) => scope.locator('label.field', { hasText: label }).locator('textarea, input');
    await panel.getByRole('button', { name: 'New' }).click();
    await box(panel, /^Name/).fill('Terse');
    await box(panel, /^Text/).fill('Answer {{user}} in one line.');
    await box(panel, /^Post-history instructions/).fill('Stay terse.');
    await box(panel, /^Post-history instructions/).blur();
    await waitSaved(page);
    await panel.getByRole('combobox', { name: 'In use' }).locator('option', { hasText: 'Terse' }).waitFor({ state: 'attached' });
    const inUse = panel.getByRole('combobox', { name: 'In use' });
    assert.equal(await inUse.locator('option:checked').innerText(), 'Terse');
    await screenshot(page, 'prompt-settings');

    await openChat(page, app.server.url, chatId);
    await page.getByRole('button', { name: 'Note' }).click();
    const dialog = page.getByRole('dialog', { name: "Author's Note" });
    await box(dialog, /^Note/).fill('[{{char}} is in a hurry]');
    await dialog.getByRole('spinbutton', { name: 'Depth' }).fill('0');
    await dialog.getByRole('combobox', { name: 'Role' }).selectOption('user');
    await box(dialog, /^Note/).blur();
    await waitSaved(page);
    await screenshot(page, 'authors-note-dialog');
    await dialog.getByRole('button', { name: 'Close' }).click();

    await send(page, 'Where to?');
    await messageItems(page).nth(2).getByText('Yes.').waitFor();
    assert.deepEqual(sent(fake), [
      'system: Answer User in one line.\nDESC',
      'assistant: Hello.',
      'user: Where to?',
      'user: [Seraphina is in a hurry]',
      'system: Stay terse.',
    ]);
    const chat = (await (await page.request.get(`${app.server.url}/api/chats/${chatId}`)).json()) as { metadata: Record<string, unknown> };
    // SillyTavern's keys, only those the user changed (the rest read as the defaults).
    assert.deepEqual(
      [chat.metadata.note_prompt, chat.metadata.note_depth, chat.metadata.note_role, chat.metadata.note_position],
      ['[{{char}} is in a hurry]', 0, 1, undefined],
    );
    assert.deepEqual(problems, []);
    await page.close();
  });
});
