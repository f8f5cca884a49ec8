import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newId } from '../support/fixtures.js';
import { csrfToken, messageItems, openChat, seedChat, serverMessages } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

describe('macros in what the user reads', { skip: skipWithoutChromium }, () => {
  const app = appInBrowser();

  test("a greeting's {{user}} and {{char}} show the speaking persona's and the character's names; the stored text keeps them", async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    const greeting = 'Hello {{user}}, I am {{char}}. <USER> rolls {{roll:d6}}.';
    const chatId = await seedChat(page, app.server.url, { first_mes: greeting });
    const headers = { 'x-csrf-token': await csrfToken(page, app.server.url) };
    const persona = (name: string, isDefault: boolean) =>
      page.request.post(`${app.server.url}/api/personas`, { headers, data: { id: newId(), name, description: '', isDefault } });
    assert.equal((await persona('Wanderer', true)).status(), 201);
    const knight = await persona('Knight', false);
    assert.equal(knight.status(), 201);

    await openChat(page, app.server.url, chatId);
    const text = messageItems(page).first().locator('.message-text');
    await text.getByText('Hello Wanderer, I am Seraphina. Wanderer rolls {{roll:d6}}.').waitFor();
    await screenshot(page, 'greeting-names');

    // The persona chosen for this chat is the one who speaks, so the greeting names it.
    const { id: knightId } = (await knight.json()) as { id: string };
    const chosen = await page.request.post(`${app.server.url}/api/chats/${chatId}/ops`, {
      headers,
      data: { ops: [{ opId: newId(), type: 'setPersona', personaId: knightId }] },
    });
    assert.equal(chosen.status(), 200);
    await page.reload();
    await text.getByText('Hello Knight, I am Seraphina.', { exact: false }).waitFor();

    const stored = await serverMessages(page, app.server.url, chatId);
    assert.equal(stored[0]!.content, greeting);
    // Copy and Edit work on the stored text.
    await messageItems(page).first().getByRole('button', { name: 'Edit message' }).click();
    assert.equal(await messageItems(page).first().locator('textarea').inputValue(), greeting);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
