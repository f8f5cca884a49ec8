import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ManualClock } from '../support/manual-clock.js';
import { addUser } from '../support/users.js';
import { messageItems, seedChat, send, serverMessages, waitSaved } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

const TIMEOUT_S = 3600;

describe('accounts on: a session that ends under an open page', { skip: skipWithoutChromium }, () => {
  const clock = new ManualClock(Date.now());
  const app = appInBrowser({ config: { enableUserAccounts: true, sessionTimeout: TIMEOUT_S }, clock });
  before(async () => {
    await addUser(app.server, { handle: 'ada', password: 'correct horse battery', name: 'Ada' }, clock);
  });

  test('sign in on the page, then after expiry in a dialog: what was typed meanwhile is saved, with no reload', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    await page.waitForURL(/\/login/);
    await screenshot(page, 'login');
    await page.getByLabel('Username').fill('ada');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'do not match' }).waitFor();
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Characters', exact: true }).waitFor();

    const chatId = await seedChat(page, app.server.url);
    await page.goto(`${app.server.url}/chats/${chatId}`);
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
    assert.equal(app.server.logs.refusals('session_expired').length > 0, true);

    // The username is known: the cursor waits in Password.
    await page.waitForFunction(() => document.activeElement?.getAttribute('name') === 'password');
    await page.keyboard.type('correct horse battery');
    assert.equal(await dialog.getByLabel('Password').inputValue(), 'correct horse battery');
    assert.equal(await dialog.getByLabel('Username').inputValue(), 'ada', 'the dialog remembers who was signed in');
    await dialog.getByRole('button', { name: 'Sign in' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await waitSaved(page);

    const saved = (await serverMessages(page, app.server.url, chatId)).filter((m) => m.role === 'user').map((m) => m.content);
    assert.deepEqual(saved, ['said while signed in', 'typed after the session ended']);
    assert.equal(await page.evaluate(() => (window as unknown as { __samePage?: boolean }).__samePage), true, 'no reload');
    assert.equal(new URL(page.url()).pathname, `/chats/${chatId}`);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
