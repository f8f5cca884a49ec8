import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { FakeLlmServer } from '../support/fake-llm-server.js';
import { newId } from '../support/fixtures.js';
import { addUser } from '../support/users.js';
import { csrfToken, messageItems, seedChat, send, waitSaved } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { openBrowser, screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

async function signIn(page: Page, baseUrl: string, handle: string, password: string) {
  await page.goto(baseUrl);
  await page.waitForURL(/\/login/);
  await page.getByLabel('Username').fill(handle);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

describe('two people in one chat', { skip: skipWithoutChromium }, () => {
  let fake: FakeLlmServer;
  before(async () => {
    fake = await FakeLlmServer.start({ tokens: ['Welcome', ', both', '.'], delayMs: 5 });
  });
  const app = appInBrowser({ config: { enableUserAccounts: true, backendAllowlist: ['127.0.0.1'] } });
  before(async () => {
    await addUser(app.server, { handle: 'ann', password: 'ann-password-1', name: 'Ann' });
    await addUser(app.server, { handle: 'ben', password: 'ben-password-1', name: 'Ben' });
  });
  after(async () => {
    await fake?.close();
  });

  test('Ann shares her chat with Ben; Ben writes and generates; Ann sees it live; unsharing closes it for Ben', async () => {
    const url = app.server.url;
    const ann = await app.browser.context.newPage();
    const annProblems = watchPage(ann);
    await signIn(ann, url, 'ann', 'ann-password-1');
    const chatId = await seedChat(ann, url, { name: 'Seraphina', first_mes: 'Welcome to the glade.' });
    const headers = { 'x-csrf-token': await csrfToken(ann, url) };
    const connection = { id: newId(), name: 'Fake', api: 'chat-completions', baseUrl: fake.url, model: 'fake-model' };
    assert.equal((await ann.request.post(`${url}/api/connections`, { headers, data: connection })).status(), 201);
    await ann.goto(`${url}/chats/${chatId}`);
    await messageItems(ann).first().getByText('Welcome to the glade.').waitFor();

    // Ann shares from the chat's header.
    await ann.getByRole('button', { name: 'Share' }).click();
    const dialog = ann.getByRole('dialog', { name: 'Share this chat' });
    await dialog.getByLabel('Handle').fill('ben');
    await dialog.getByLabel('Access').selectOption('write');
    await dialog.getByRole('button', { name: 'Share', exact: true }).click();
    await dialog.getByRole('list', { name: 'Shared with' }).getByText('@ben').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Ben, in another browser, finds it among his recent chats, marked as Ann's, and writes in it.
    const other = await openBrowser();
    try {
      const ben = await other.context.newPage();
      const benProblems = watchPage(ben);
      await signIn(ben, url, 'ben', 'ben-password-1');
      await ben.getByText('shared by Ann').click();
      await ben.waitForURL(new RegExp(`/chats/${chatId}$`));
      await ben.getByText(/shared by Ann \(you can write\)/).waitFor();
      await messageItems(ben).first().getByText('Welcome to the glade.').waitFor();
      // The chat's book and connection are Ann's choice: Ben's header offers neither (the server would refuse them).
      assert.equal(await ben.getByRole('button', { name: 'Lore', exact: true }).count(), 0);
      assert.equal(await ben.getByTitle('What the next reply uses, and where each choice comes from').count(), 0);
      assert.equal(await ann.getByRole('button', { name: 'Lore', exact: true }).count(), 1);
      await send(ben, 'Hello from Ben!');
      await waitSaved(ben);

      // Ann sees Ben's message and the reply it asked for, live, without reloading.
      await messageItems(ann).filter({ hasText: 'Hello from Ben!' }).waitFor({ timeout: 15_000 });
      await messageItems(ann).filter({ hasText: 'Welcome, both.' }).waitFor({ timeout: 15_000 });
      await messageItems(ben).filter({ hasText: 'Welcome, both.' }).waitFor({ timeout: 15_000 });
      await screenshot(ann, 'chat-sharing-owner-sees-participant');
      await screenshot(ben, 'chat-sharing-participant');

      // Ann stops sharing: Ben's open page loses the chat.
      await ann.getByRole('button', { name: 'Share' }).click();
      await ann.getByRole('dialog', { name: 'Share this chat' }).getByRole('button', { name: 'Stop sharing' }).click();
      await ann.getByRole('dialog', { name: 'Share this chat' }).getByRole('list', { name: 'Shared with' }).getByText('@ben').waitFor({ state: 'detached' });
      await ben.getByText('This chat is not here').waitFor({ timeout: 15_000 });
      assert.deepEqual(benProblems.filter((p) => !/404|Not Found|not_found/i.test(p)), []);
    } finally {
      await other.close();
    }
    assert.deepEqual(annProblems, []);
  });
});
