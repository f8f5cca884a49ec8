import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { addUser } from '../support/users.js';
import { appInBrowser } from './support/app-in-browser.js';
import { openBrowser, screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

const PHONE = { width: 390, height: 844 };

async function signIn(page: Page, baseUrl: string, handle: string, password: string) {
  await page.goto(baseUrl);
  await page.waitForURL(/\/login/);
  await page.getByLabel('Username').fill(handle);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

describe('an admin manages accounts in the app', { skip: skipWithoutChromium }, () => {
  const app = appInBrowser({ config: { enableUserAccounts: true } });
  before(async () => {
    await addUser(app.server, { handle: 'ada', password: 'correct horse battery', name: 'Ada', admin: true });
    await addUser(app.server, { handle: 'cy', password: 'cy-password-1', name: 'Cy' });
  });

  test('create, reset a password, make and unmake an admin, delete; the last admin stays one', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await signIn(page, app.server.url, 'ada', 'correct horse battery');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts' }).click();
    const list = page.getByRole('list', { name: 'Accounts' });
    await list.getByRole('listitem', { name: 'cy' }).waitFor();
    assert.equal(await list.getByRole('listitem', { name: 'ada' }).getByRole('button', { name: 'Delete' }).isDisabled(), true);

    // Create Bob.
    const form = page.getByRole('form', { name: 'New account' });
    await form.getByLabel(/^Handle/).fill('Bob');
    assert.equal(await form.getByLabel(/^Handle/).inputValue(), 'bob', 'handles are lower case');
    await form.getByLabel(/^Name/).fill('Bob B.');
    await form.getByLabel(/^Password/).fill('bob-password-1');
    await form.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('Bob B. can now sign in as bob.').waitFor();
    const bob = list.getByRole('listitem', { name: 'bob' });
    await bob.waitFor();

    // A handle taken is refused with the server's words, and nothing changes.
    await form.getByLabel(/^Handle/).fill('bob');
    await form.getByLabel(/^Password/).fill('another-password');
    await form.getByRole('button', { name: 'Create account' }).click();
    await form.getByRole('alert').getByText(/already exists/).waitFor();

    // Reset Bob's password; the new one signs in, in another browser.
    await bob.getByRole('button', { name: 'Reset password' }).click();
    const reset = page.getByRole('dialog', { name: 'Reset Bob B.’s password' });
    await reset.getByLabel(/^New password/).fill('bob-password-2');
    await reset.getByRole('button', { name: 'Reset password' }).click();
    await page.getByText(/password was reset/).waitFor();
    const other = await openBrowser();
    try {
      const bobPage = await other.context.newPage();
      await signIn(bobPage, app.server.url, 'bob', 'bob-password-2');
      assert.equal(
        await bobPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts' }).count(),
        0,
        'a user who is not an admin has no Accounts link',
      );
      await bobPage.goto(`${app.server.url}/accounts`);
      await bobPage.getByText('Only an admin manages accounts.').waitFor();
    } finally {
      await other.close();
    }

    // Make Bob an admin, then not.
    await bob.getByRole('button', { name: 'Make admin' }).click();
    await bob.getByText('admin', { exact: true }).waitFor();
    await screenshot(page, 'accounts-desktop');
    await bob.getByRole('button', { name: 'Remove admin' }).click();
    await bob.getByRole('button', { name: 'Make admin' }).waitFor();

    // Ada is the last admin: the server refuses, and the page says why.
    await list.getByRole('listitem', { name: 'ada' }).getByRole('button', { name: 'Remove admin' }).click();
    await page.getByText(/last admin/).waitFor();

    // Delete Cy.
    await list.getByRole('listitem', { name: 'cy' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete account' }).getByRole('button', { name: 'Delete' }).click();
    await list.getByRole('listitem', { name: 'cy' }).waitFor({ state: 'detached' });
    const users = (await (await page.request.get(`${app.server.url}/api/users`)).json()) as { handle: string; admin: boolean }[];
    assert.deepEqual(
      users.map((u) => [u.handle, u.admin]).sort(),
      [
        ['ada', true],
        ['bob', false],
      ],
    );

    await page.setViewportSize(PHONE);
    await screenshot(page, 'accounts-phone');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.equal(overflow, 0);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
