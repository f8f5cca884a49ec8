import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { newId } from '../support/fixtures.js';
import { csrfToken, messageItems, openChat, seedChat, send, serverMessages, waitSaved } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

async function appendMessages(page: Page, baseUrl: string, chatId: string, texts: string[]) {
  const headers = { 'x-csrf-token': await csrfToken(page, baseUrl) };
  const ops = texts.map((content, i) => ({
    opId: newId(),
    type: 'append',
    message: { id: newId(), role: i % 2 === 0 ? 'user' : 'assistant', name: i % 2 === 0 ? 'User' : 'Mira', content },
  }));
  const reply = await page.request.post(`${baseUrl}/api/chats/${chatId}/ops`, { headers, data: { ops } });
  assert.equal(reply.status(), 200);
}

describe('history in the browser: branches, undo, bookmarks, trash, recent chats', { skip: skipWithoutChromium }, () => {
  const app = appInBrowser();

  test('branch from a message, see it at the message and in the tree, jump back; bookmark; undo a delete after a reload', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    const base = app.server.url;
    await page.goto(base);
    const chatId = await seedChat(page, base, { name: 'Mira', first_mes: 'The lighthouse keeper waves.' });
    await appendMessages(page, base, chatId, ['Hello, Mira.', 'Welcome to the lighthouse.', 'Can I climb the stairs?', 'Mind the seventh step.']);
    await openChat(page, base, chatId);
    await messageItems(page).nth(4).getByText('Mind the seventh step.').waitFor();

    // Branch at the third message: a new chat opens with the history up to it.
    await messageItems(page).nth(2).getByRole('button', { name: 'Branch here' }).click();
    await page.getByRole('dialog', { name: 'Branch from here' }).waitFor();
    await screenshot(page, 'history-branch-dialog');
    await page.getByRole('button', { name: 'Branch and open' }).click();
    await page.waitForURL((url) => !url.pathname.endsWith(chatId));
    const branchId = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByRole('heading', { name: /^Branch #2 - / }).waitFor();
    await messageItems(page).nth(2).getByText('Welcome to the lighthouse.').waitFor();
    assert.equal(await messageItems(page).count(), 3, 'the branch holds the history up to the message');
    await send(page, 'In this branch I stay downstairs.');
    await waitSaved(page);

    // The fork message links back to the parent; the tree shows both.
    const fork = messageItems(page).nth(2);
    await fork.getByLabel('Branches at this message: 1').click();
    await screenshot(page, 'history-branch-marker');
    await page.getByRole('button', { name: /^Branches/ }).click();
    const tree = page.getByRole('list', { name: 'Branch tree' });
    await tree.getByRole('listitem').nth(1).waitFor();
    assert.equal(await tree.getByRole('listitem').count(), 2);
    await page.getByRole('dialog', { name: 'Branches' }).getByRole('button', { name: 'Close' }).waitFor();
    await screenshot(page, 'history-branch-tree');
    await tree.getByRole('link').first().click();
    await page.waitForURL((url) => url.pathname.endsWith(chatId));
    await messageItems(page).nth(4).getByText('Mind the seventh step.').waitFor();
    assert.equal((await serverMessages(page, base, chatId)).length, 5, 'the parent is untouched by the branch');
    assert.equal((await serverMessages(page, base, branchId)).length, 4);

    // Bookmark a message: it shows on the home screen, with the recent chats.
    await messageItems(page).nth(3).getByRole('button', { name: 'Bookmark message' }).click();
    await messageItems(page).nth(3).getByRole('button', { name: 'Remove bookmark' }).waitFor();
    await waitSaved(page);

    // Delete a message, reload, undo: it comes back where it was.
    await messageItems(page).nth(4).getByRole('button', { name: 'Delete message' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Mind the seventh step.').waitFor({ state: 'detached' });
    await waitSaved(page);
    await page.reload();
    await messageItems(page).first().waitFor();
    const undo = page.getByRole('button', { name: 'Undo delete' });
    await undo.waitFor();
    await screenshot(page, 'history-undo-button');
    await undo.click();
    await messageItems(page).nth(4).getByText('Mind the seventh step.').waitFor();
    await waitSaved(page);
    assert.deepEqual((await serverMessages(page, base, chatId)).map((m) => m.content).at(-1), 'Mind the seventh step.');

    await page.getByRole('link', { name: 'Characters' }).click();
    const recent = page.getByRole('region', { name: 'Recent chats' });
    await recent.getByRole('link').first().waitFor();
    assert.equal(await recent.getByRole('link').count(), 2, 'both chats, across characters');
    await page.getByRole('region', { name: 'Bookmarks' }).getByText('Can I climb the stairs?').waitFor();
    await screenshot(page, 'history-home-recent');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the trash page restores a deleted chat exactly, and empties only when asked', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    const base = app.server.url;
    await page.goto(base);
    const chatId = await seedChat(page, base, { name: 'Orrin', first_mes: 'The ferry is late.' });
    await appendMessages(page, base, chatId, ['We wait, then.']);
    const before = await serverMessages(page, base, chatId);
    // The trash names the chat by its title (by now the first user message's opening words).
    const { title } = (await (await page.request.get(`${base}/api/chats/${chatId}`)).json()) as { title: string };
    const headers = { 'x-csrf-token': await csrfToken(page, base) };
    assert.equal((await page.request.delete(`${base}/api/chats/${chatId}`, { headers })).status(), 204);

    await page.goto(`${base}/trash`);
    const list = page.getByRole('list', { name: 'Deleted items' });
    const row = list.getByRole('listitem').filter({ hasText: title });
    await row.waitFor();
    await screenshot(page, 'history-trash');
    await row.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('status').filter({ hasText: 'is back' }).waitFor();
    assert.deepEqual(await serverMessages(page, base, chatId), before, 'the chat came back exactly');

    await page.request.delete(`${base}/api/chats/${chatId}`, { headers });
    await page.reload();
    await list.getByRole('listitem').first().waitFor();
    await page.getByRole('button', { name: 'Empty trash' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Empty trash' }).click();
    await page.getByText('The trash is empty.').waitFor();
    assert.equal((await page.request.get(`${base}/api/chats/${chatId}`)).status(), 404);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
