import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { tempDir } from '../support/test-server.js';
import {
  cardFile,
  csrfToken,
  importCard,
  messageItems,
  saveStatus,
  send,
  waitSaved,
  serverMessages,
  startChat,
} from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

describe('the chat, end to end in Chromium', { skip: skipWithoutChromium }, () => {
  const app = appInBrowser();

  test('import a card, chat, edit, swipe, delete, and find it all again after a reload', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    await page.getByRole('heading', { name: 'No characters yet' }).waitFor();
    await screenshot(page, 'library-empty');

    await importCard(
      page,
      cardFile({ name: 'Aria', first_mes: 'Hello, *traveller*. What **brings** you here?', tags: ['fantasy', 'guide'] }),
      'Aria',
    );
    await screenshot(page, 'library');

    const chatId = await startChat(page, 'Aria');
    await messageItems(page).first().waitFor();
    assert.match(await messageItems(page).first().innerText(), /Hello, traveller\. What brings you here\?/);
    assert.equal(await page.locator('.message-text em').first().innerText(), 'traveller', 'markdown is rendered');

    await send(page, 'I am looking for the old library.');
    await send(page, 'Line one\nstill one message');
    await waitSaved(page);
    let saved = await serverMessages(page, app.server.url, chatId);
    assert.deepEqual(
      saved.map((m) => [m.role, m.content]),
      [
        ['assistant', 'Hello, *traveller*. What **brings** you here?'],
        ['user', 'I am looking for the old library.'],
        ['user', 'Line one\nstill one message'],
      ],
    );

    // Edit in place.
    const second = messageItems(page).nth(1);
    await second.getByRole('button', { name: 'Edit message' }).click();
    await second.getByRole('textbox', { name: 'Edit message' }).fill('I am looking for the new library.');
    await second.getByRole('button', { name: 'Save' }).click();
    await page.getByText('I am looking for the new library.').waitFor();

    // A second swipe on the greeting, added by another device: the open page shows it live (GET /api/events).
    const greetingId = saved[0]!.id;
    const added = await page.request.post(`${app.server.url}/api/chats/${chatId}/ops`, {
      headers: { 'x-csrf-token': await csrfToken(page, app.server.url) },
      data: { ops: [{ opId: 'swipe-op-000001', type: 'addSwipe', messageId: greetingId, content: 'A second greeting.' }] },
    });
    assert.equal(added.status(), 200);
    const greeting = messageItems(page).first();
    await greeting.getByText('A second greeting.').waitFor();
    assert.match(await greeting.innerText(), /2\/2/);
    await greeting.getByRole('button', { name: 'Previous swipe' }).click();
    await greeting.getByText('What brings you here?').waitFor();
    assert.match(await greeting.innerText(), /1\/2/);

    // Delete the last message, with confirmation.
    await messageItems(page).last().getByRole('button', { name: 'Delete message' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete message' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('still one message').waitFor({ state: 'detached' });
    await waitSaved(page);
    await screenshot(page, 'chat');

    // Reload: the same URL, the same chat, everything as the server has it.
    await page.reload();
    assert.equal(new URL(page.url()).pathname, `/chats/${chatId}`);
    await messageItems(page).nth(1).waitFor();
    assert.equal(await messageItems(page).count(), 2);
    saved = await serverMessages(page, app.server.url, chatId);
    assert.deepEqual(
      saved.map((m) => [m.content, m.swipeIndex]),
      [
        ['Hello, *traveller*. What **brings** you here?', 0],
        ['I am looking for the new library.', 0],
      ],
    );
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a card whose fields carry <script> and onerror= runs nothing', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    const hostile = {
      name: 'Mallory<img src=x onerror="window.__pwned=1">',
      first_mes:
        'Hi <script>window.__pwned=2</script><img src="nope" onerror="window.__pwned=3;alert(1)"> ' +
        '<a href="javascript:window.__pwned=4">click</a> <svg onload="window.__pwned=5"></svg>',
      description: '<iframe src="javascript:alert(1)"></iframe>',
      tags: ['<b onmouseover=alert(1)>x</b>'],
    };
    await page.getByLabel('Character card files').setInputFiles(cardFile(hostile, 'hostile.json'));
    const link = page.getByRole('link', { name: /Mallory/ });
    await link.waitFor();
    await link.click();
    await page.getByRole('button', { name: 'New chat' }).click();
    await messageItems(page).first().waitFor();
    // The javascript: link lost its href: clicking its text goes nowhere and runs nothing.
    const anchor = messageItems(page).first().locator('.message-text a');
    assert.equal(await anchor.getAttribute('href'), null);
    await anchor.click();
    await page.waitForTimeout(300);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.equal(await page.locator('.message-text script, .message-text iframe, .message-text [onerror]').count(), 0);
    assert.deepEqual(problems, []);
    await screenshot(page, 'hostile-card');
    await page.close();
  });

  test('a character\'s chats: import a SillyTavern .jsonl, rename, export, delete', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    await importCard(page, cardFile({ name: 'Bram', first_mes: 'Well met.' }, 'bram.json'), 'Bram');
    await page.getByRole('link', { name: 'Bram' }).click();
    const lines = [
      { user_name: 'You', character_name: 'Bram', create_date: '2024-09-28@01h02m03s', chat_metadata: {} },
      { name: 'Bram', is_user: false, is_system: false, send_date: 'June 19, 2023 2:20pm', mes: 'Imported greeting', extra: {} },
      { name: 'You', is_user: true, is_system: false, send_date: 'June 19, 2023 2:21pm', mes: 'Imported reply', extra: {} },
    ];
    const path = join(tempDir('parley-jsonl-'), 'old chat.jsonl');
    writeFileSync(path, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
    await page.getByLabel('Chat files').setInputFiles(path);
    await page.getByText('Imported 2 messages').waitFor();
    const row = page.getByRole('listitem').filter({ hasText: /2 messages ·/ });
    await row.waitFor();

    await row.getByRole('button', { name: 'Rename' }).click();
    const rename = page.getByRole('dialog', { name: 'Rename chat' });
    await rename.getByLabel('Title').fill('The imported evening');
    await rename.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('link', { name: /The imported evening/ }).waitFor();
    await waitSaved(page);
    await page.reload();
    await page.getByRole('link', { name: /The imported evening/ }).waitFor();
    await screenshot(page, 'character-chats');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('listitem').filter({ hasText: 'The imported evening' }).getByRole('link', { name: 'Export' }).click(),
    ]);
    const exported = readFileSync((await download.path())!, 'utf8').trim().split('\n');
    assert.equal(exported.length, 3, 'header and both messages');
    assert.equal(JSON.parse(exported[2]!).mes, 'Imported reply');

    await page.getByRole('listitem').filter({ hasText: 'The imported evening' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete chat' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('link', { name: /The imported evening/ }).waitFor({ state: 'detached' });
    await waitSaved(page);
    const characters = (await (await page.request.get(`${app.server.url}/api/characters`)).json()) as Array<{ id: string; name: string }>;
    const bram = characters.find((c) => c.name === 'Bram')!;
    assert.deepEqual(await (await page.request.get(`${app.server.url}/api/chats?characterId=${bram.id}`)).json(), []);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
