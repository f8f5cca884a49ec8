import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../support/manual-clock.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { addUser } from '../support/users.js';
import { messageItems, seedChat, send, serverMessages, waitSaved } from './support/app-driver.js';
import { ensureWebBuilt, openBrowser, screenshot, skipWithoutChromium, watchPage, type TestBrowser } from './support/browser.js';

const TIMEOUT_S = 3600;

describe('accounts on: a session that ends under an open page', { skip: skipWithoutChromium }, () => {
  let server: TestServer;
  let browser: TestBrowser;
  const clock = new ManualClock(Date.now());

  before(async () => {
    ensureWebBuilt();
    server = await startTestServer({ config: { enableUserAccounts: true, sessionTimeout: TIMEOUT_S }, clock });
    await addUser(server, { handle: 'ada', password: 'correct horse battery', name: 'Ada' }, clock);
    browser = await openBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('sign in on the page, then after expiry in a dialog: what was typed meanwhile is saved, with no reload', async () => {
    const page = await browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(server.url);
    await page.waitForURL(/\/login/);
    await screenshot(page, 'login');
    await page.getByLabel('Username').fill('ada');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'do not match' }).waitFor();
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Characters', exact: true }).waitFor();

    const chatId = await seedChat(page, server.url);
    await page.goto(`${server.url}/chats/${chatId}`);
    await messageItems(page).first().waitFor();
    await send(page, 'said while signed in');
    await waitSaved(page);
    await page.evaluate(() => {
      (window as unknown as { __samePage: boolean }).__samePage = true;
    });

    // Idle past sessionTimeout: the server now refuses the cookie. The user keeps typing.
    clock.advanceSeconds(TIMEOUT_S + 60);
    await send(page, 'typed after the session ended');
    const dialog = page.getByRole('dialog', { name: 'Sign in again' });
    await dialog.waitFor();
    // The modal dialog makes the page behind it inert (out of the accessibility tree), so read the badge directly.
    await page.locator('[role="status"].save-status', { hasText: 'Sign in to save 1 change' }).waitFor();
    await screenshot(page, 'session-expired-dialog');
    assert.equal(server.logs.refusals('session_expired').length > 0, true);

    await dialog.getByLabel('Password').fill('correct horse battery');
    assert.equal(await dialog.getByLabel('Username').inputValue(), 'ada', 'the dialog remembers who was signed in');
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await waitSaved(page);

    const saved = (await serverMessages(page, server.url, chatId)).filter((m) => m.role === 'user').map((m) => m.content);
    assert.deepEqual(saved, ['said while signed in', 'typed after the session ended']);
    assert.equal(await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage), true, 'no reload');
    assert.equal(new URL(page.url()).pathname, `/chats/${chatId}`);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
