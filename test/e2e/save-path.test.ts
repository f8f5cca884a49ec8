import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TestClient } from '../support/http-client.js';
import {
  messageItems,
  openChat,
  recordSentOps,
  saveStatus,
  seedChat,
  send,
  until,
  waitSaved,
  serverMessages,
} from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { openBrowser, screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

const userTexts = async (page: Parameters<typeof serverMessages>[0], url: string, chatId: string) =>
  (await serverMessages(page, url, chatId)).filter((m) => m.role === 'user').map((m) => m.content);

describe('the save path in Chromium: nothing typed is lost', { skip: skipWithoutChromium }, () => {
  const app = appInBrowser();

  test('offline while sending 5 messages: all saved once back online, none twice', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    const chatId = await seedChat(page, app.server.url);
    await openChat(page, app.server.url, chatId);

    await app.browser.context.setOffline(true);
    const typingFrom = Date.now();
    for (let i = 1; i <= 5; i++) await send(page, `offline message ${i}`);
    const typingTo = Date.now();
    await saveStatus(page).filter({ hasText: 'Offline — 5 changes waiting' }).waitFor();
    assert.equal(await messageItems(page).count(), 6, 'shown at once, before the server has them');
    await screenshot(page, 'chat-offline');
    // Long enough offline that the time of arrival differs from the time of typing.
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const backOnline = Date.now();
    await app.browser.context.setOffline(false);
    await waitSaved(page, 40_000);
    assert.deepEqual(await userTexts(page, app.server.url, chatId), [1, 2, 3, 4, 5].map((i) => `offline message ${i}`));
    // Each keeps the time it was typed, not the time it reached the server.
    const stored = (await (await page.request.get(`${app.server.url}/api/chats/${chatId}/messages`)).json()) as {
      messages: Array<{ role: string; createdAt: string }>;
    };
    for (const message of stored.messages.filter((m) => m.role === 'user')) {
      const at = Date.parse(message.createdAt);
      assert.ok(at >= typingFrom - 1000 && at <= typingTo + 1000 && at < backOnline, `${message.createdAt} is when it was typed`);
    }
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a browser whose IndexedDB cannot open is told so, and nothing runs on failing behind it', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    // As in a private window of some browsers, the database refuses to open — late, after the session has
    // answered and the app has rendered. (A string: the page runs it as written.)
    await page.addInitScript(`
      IDBFactory.prototype.open = function () {
        const listeners = [];
        const request = Object.create(IDBOpenDBRequest.prototype, {
          addEventListener: { value: (type, listener) => type === 'error' && listeners.push(listener) },
          removeEventListener: { value: () => undefined },
          error: { value: new DOMException('IndexedDB is disabled here', 'InvalidStateError') },
        });
        setTimeout(() => listeners.forEach((listener) => listener()), 1500);
        return request;
      };
    `);
    await page.goto(app.server.url);
    await page.getByText(/Parley cannot start in this browser: .*IndexedDB is disabled here/).waitFor();
    await new Promise((resolve) => setTimeout(resolve, 500));
    // An outbox read or save failing behind the message shows here as an unhandled rejection (page error).
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a reload with ops still queued sends them after the reload', async () => {
    const page = await app.browser.context.newPage();
    await page.goto(app.server.url);
    const chatId = await seedChat(page, app.server.url);
    await openChat(page, app.server.url, chatId);

    // Hold every ops request in flight: the server never sees them before the reload.
    await page.route('**/api/chats/*/ops', () => {});
    for (let i = 1; i <= 3; i++) await send(page, `queued ${i}`);
    await saveStatus(page).filter({ hasText: 'Saving…' }).waitFor();
    await page.locator('.message-pending').nth(2).waitFor();
    assert.deepEqual(await userTexts(page, app.server.url, chatId), []);

    await page.unroute('**/api/chats/*/ops');
    await page.reload();
    await waitSaved(page);
    assert.deepEqual(await userTexts(page, app.server.url, chatId), ['queued 1', 'queued 2', 'queued 3']);
    await page.getByText('queued 3').waitFor();
    await page.close();
  });

  test('ops queued when the browser closes are sent when it starts again', async () => {
    const first = await openBrowser();
    let page = await first.context.newPage();
    await page.goto(app.server.url);
    const chatId = await seedChat(page, app.server.url);
    await openChat(page, app.server.url, chatId);
    await page.route('**/api/chats/*/ops', (route) => route.abort('internetdisconnected'));
    await send(page, 'written before the browser closed');
    await send(page, 'and this one too');
    await saveStatus(page).filter({ hasText: /waiting/ }).waitFor();
    await first.close();

    const again = await openBrowser({ userDataDir: first.userDataDir });
    page = again.context.pages()[0] ?? (await again.context.newPage());
    await page.goto(`${app.server.url}/chats/${chatId}`);
    await page.getByText('and this one too').waitFor();
    await waitSaved(page);
    assert.deepEqual(await userTexts(page, app.server.url, chatId), ['written before the browser closed', 'and this one too']);
    await again.close();
  });

  test('two tabs sending at once: both sets saved once, both tabs show all of them', async () => {
    const a = await app.browser.context.newPage();
    await a.goto(app.server.url);
    const chatId = await seedChat(a, app.server.url);
    const b = await app.browser.context.newPage();
    const sentA = recordSentOps(a);
    const sentB = recordSentOps(b);
    await openChat(a, app.server.url, chatId);
    await openChat(b, app.server.url, chatId);

    await Promise.all([
      (async () => {
        for (let i = 1; i <= 4; i++) await send(a, `from A ${i}`);
      })(),
      (async () => {
        for (let i = 1; i <= 4; i++) await send(b, `from B ${i}`);
      })(),
    ]);
    await waitSaved(a);
    await waitSaved(b);

    const saved = await userTexts(a, app.server.url, chatId);
    assert.equal(saved.length, 8);
    assert.deepEqual(saved.filter((t) => t.startsWith('from A')), ['from A 1', 'from A 2', 'from A 3', 'from A 4']);
    assert.deepEqual(saved.filter((t) => t.startsWith('from B')), ['from B 1', 'from B 2', 'from B 3', 'from B 4']);
    for (const page of [a, b]) {
      // In the list: the chat's title is the first words sent, so the header may say the same.
      for (const text of saved) await page.getByRole('list', { name: 'Messages' }).getByText(text, { exact: true }).waitFor();
    }
    await until(() => sentA.length + sentB.length >= 8);
    await a.waitForTimeout(500);
    const sent = [...sentA, ...sentB];
    assert.equal(sent.length, 8, 'each op sent once, by one tab');
    assert.equal(new Set(sent).size, 8);
    await screenshot(b, 'chat-two-tabs');
    await a.close();
    await b.close();
  });

  test('a CSRF token invalidated on the server: the next save succeeds without the user doing anything', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    const chatId = await seedChat(page, app.server.url);
    await openChat(page, app.server.url, chatId);
    await send(page, 'before the token changed');
    await waitSaved(page);

    const refusalsBefore = app.server.logs.refusals('csrf_invalid').length;
    await app.server.store.db.updateTable('sessions').set({ csrf_token: 'rotated-on-the-server-000000000000' }).execute();
    await send(page, 'after the token changed');
    await waitSaved(page);

    assert.deepEqual(await userTexts(page, app.server.url, chatId), ['before the token changed', 'after the token changed']);
    assert.equal(app.server.logs.refusals('csrf_invalid').length, refusalsBefore + 1, 'the stale token was refused once');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('an edit that crosses one from another device is held, not overwritten, and the user can keep theirs', async () => {
    const page = await app.browser.context.newPage();
    await page.goto(app.server.url);
    const chatId = await seedChat(page, app.server.url);
    await openChat(page, app.server.url, chatId);
    await send(page, 'the original words');
    await waitSaved(page);
    const [, original] = await serverMessages(page, app.server.url, chatId);

    await app.browser.context.setOffline(true);
    const mine = messageItems(page).nth(1);
    await mine.getByRole('button', { name: 'Edit message' }).click();
    await mine.getByRole('textbox', { name: 'Edit message' }).fill('my edited words');
    await mine.getByRole('button', { name: 'Save' }).click();
    await saveStatus(page).filter({ hasText: 'Offline — 1 change waiting' }).waitFor();

    // Meanwhile another device (its own session, same account) edits the same message.
    const other = new TestClient(app.server.url);
    await other.session();
    const theirs = await other.post(`/api/chats/${chatId}/ops`, {
      ops: [{ opId: 'other-device-edit-1', type: 'edit', messageId: original!.id, content: 'their edited words', baseRevision: 9999 }],
    });
    assert.equal(theirs.status, 200);

    await app.browser.context.setOffline(false);
    const held = page.getByRole('region', { name: 'Changes that need your decision' });
    await held.getByText('Edited in two places.').waitFor();
    await held.getByText('my edited words').waitFor();
    await waitSaved(page);
    assert.equal((await serverMessages(page, app.server.url, chatId))[1]!.content, 'their edited words', 'nothing overwritten silently');
    await mine.getByText('their edited words').waitFor();
    await screenshot(page, 'edit-conflict');

    await held.getByRole('button', { name: 'Keep mine' }).click();
    await held.waitFor({ state: 'detached' });
    await waitSaved(page);
    assert.equal((await serverMessages(page, app.server.url, chatId))[1]!.content, 'my edited words');
    await page.close();
  });
});
