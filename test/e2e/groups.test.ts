import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { FakeLlmServer } from '../support/fake-llm-server.js';
import { makeCard, newId } from '../support/fixtures.js';
import { csrfToken, messageItems, saveStatus, send, waitSaved } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

/** Everything the fake backend was last sent, as one text. */
const lastPrompt = (fake: FakeLlmServer) => (fake.lastCompletion().messages as { content: string }[]).map((m) => m.content).join('\n');

async function seed(page: Page, baseUrl: string, fake: FakeLlmServer) {
  await saveStatus(page).filter({ hasText: 'Saved' }).waitFor();
  const headers = { 'x-csrf-token': await csrfToken(page, baseUrl) };
  for (const name of ['Alice', 'Bob', 'Carol']) {
    const card = makeCard({ name, description: `${name.toUpperCase()}-CARD`, first_mes: `${name} waves.`, extensions: { talkativeness: '0' } });
    assert.equal((await page.request.post(`${baseUrl}/api/characters`, { headers, data: { card } })).status(), 201);
  }
  const connection = { id: newId(), name: 'Fake', api: 'chat-completions', baseUrl: fake.url, model: 'fake-model' };
  assert.equal((await page.request.post(`${baseUrl}/api/connections`, { headers, data: connection })).status(), 201);
}

const lastMessage = (page: Page) => messageItems(page).last();

describe('group chats in the browser', { skip: skipWithoutChromium }, () => {
  let fake: FakeLlmServer;
  before(async () => {
    fake = await FakeLlmServer.start({ tokens: ['Indeed', '.'], delayMs: 5 });
  });
  const app = appInBrowser();
  after(async () => {
    await fake?.close();
  });

  test('make a group in the library, open its chat, make a member speak, mute one, name one; auto-mode stops when the user types', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    const url = app.server.url;
    await page.goto(url);
    await seed(page, url, fake);
    await page.reload();

    await page.getByRole('link', { name: 'New group' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Party');
    const characters = page.getByRole('list', { name: 'Characters' });
    for (const name of ['Alice', 'Bob', 'Carol']) await characters.getByLabel(name).check();
    await page.getByLabel('Auto-mode delay (seconds)').fill('1');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.waitForURL(/\/groups\/[A-Za-z0-9_-]+$/);
    await page.getByRole('button', { name: 'New group chat' }).click();
    await page.waitForURL(/\/chats\//);

    const bar = page.getByLabel('Group members');
    await bar.getByText('Carol').waitFor();
    await messageItems(page).nth(2).getByText('Carol waves.').waitFor();

    // Force a member: the reply is Bob's, written from Bob's card.
    await bar.getByRole('button', { name: 'Make Bob speak' }).click();
    await lastMessage(page).getByText('Indeed.').waitFor();
    assert.equal(await lastMessage(page).locator('.message-name').textContent(), 'Bob');
    assert.match(lastPrompt(fake), /BOB-CARD/);
    assert.doesNotMatch(lastPrompt(fake), /ALICE-CARD|CAROL-CARD/);

    // Mute Carol; name Alice: Alice answers.
    await bar.getByRole('button', { name: 'Mute Carol' }).click();
    await bar.getByRole('button', { name: 'Mute Carol' }).and(page.locator('[aria-pressed="true"]')).waitFor();
    await send(page, 'Alice, what do you see?');
    await lastMessage(page).locator('.message-name').getByText('Alice').waitFor();
    await lastMessage(page).getByText('Indeed.').waitFor();
    assert.match(lastPrompt(fake), /ALICE-CARD/);
    await waitSaved(page);
    await screenshot(page, 'group-chat-desktop');
    // The prompt inspector says whose card went in.
    await page.getByRole('button', { name: 'Prompt', exact: true }).click();
    await page.getByRole('dialog').getByText('Spoken by Alice · card in the prompt: Alice').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

    // Auto-mode: members go on by themselves (never muted Carol), until the user types.
    const before = await messageItems(page).count();
    await bar.getByLabel('Auto-mode').check();
    for (let waited = 0; (await messageItems(page).count()) <= before; waited += 200) {
      assert.ok(waited < 15_000, 'auto-mode made no member speak');
      await page.waitForTimeout(200);
    }
    await lastMessage(page).getByText('Indeed.').waitFor();
    await page.getByRole('textbox', { name: 'Message' }).pressSequentially('wait');
    assert.equal(await bar.getByLabel('Auto-mode').isChecked(), false, 'typing stops auto-mode');
    await page.waitForTimeout(300);
    const afterTyping = await messageItems(page).count();
    await page.waitForTimeout(2500);
    assert.equal(await messageItems(page).count(), afterTyping, 'no member spoke after the user typed');
    const names = await messageItems(page).locator('.message-name').allTextContents();
    assert.ok(!names.slice(3).includes('Carol'), `muted Carol never spoke on her own: ${names.join(', ')}`);

    await page.goto(url);
    await page.getByRole('region', { name: 'Groups' }).getByText('Party').waitFor();
    await screenshot(page, 'group-library-desktop');
    assert.deepEqual(problems, []);
  });
});
