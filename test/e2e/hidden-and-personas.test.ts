import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { FakeLlmServer } from '../support/fake-llm-server.js';
import { newId } from '../support/fixtures.js';
import { tempDir } from '../support/test-server.js';
import { csrfToken, messageItems, openChat, seedChat, send, serverMessages, waitSaved } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

const PHONE = { width: 390, height: 844 };

/** A picture file on disk, as a user would pick one. */
async function pictureFile(name: string, colour: string, size = { width: 300, height: 200 }): Promise<string> {
  const path = join(tempDir('parley-picture-'), name);
  writeFileSync(path, await sharp({ create: { ...size, channels: 3, background: colour } }).png().toBuffer());
  return path;
}

async function connect(page: Page, baseUrl: string, fake: FakeLlmServer) {
  const headers = { 'x-csrf-token': await csrfToken(page, baseUrl) };
  const created = await page.request.post(`${baseUrl}/api/connections`, {
    headers,
    data: { id: newId(), name: 'Fake', api: 'chat-completions', baseUrl: fake.url, model: 'fake-model' },
  });
  assert.equal(created.status(), 201);
}

/** Everything the fake backend was last sent, as one text. */
const lastPrompt = (fake: FakeLlmServer) =>
  (fake.lastCompletion().messages as { content: string }[]).map((message) => message.content).join('\n');

describe('hidden messages and personas, in the browser', { skip: skipWithoutChromium }, () => {
  let fake: FakeLlmServer;
  before(async () => {
    fake = await FakeLlmServer.start({ tokens: ['All', ' quiet', '.'], delayMs: 10 });
  });
  const app = appInBrowser();
  after(async () => {
    await fake?.close();
  });
  beforeEach(() => {
    fake.script = { tokens: ['All', ' quiet', '.'], delayMs: 10 };
  });

  test('the eye hides a message: it is dimmed, stays hidden after a reload, and the backend never receives it', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    const chatId = await seedChat(page, app.server.url, { first_mes: 'The watch begins.' });
    await connect(page, app.server.url, fake);
    await openChat(page, app.server.url, chatId);

    await send(page, 'SECRET: the password is swordfish.');
    await messageItems(page).nth(2).getByText('All quiet.').waitFor();
    const secret = messageItems(page).nth(1);
    await secret.getByRole('button', { name: 'Hide from the model' }).click();
    await secret.locator('.message-hidden').waitFor();
    await secret.getByText('hidden from the prompt').waitFor();
    assert.equal(await secret.getByRole('button', { name: 'Show to the model' }).getAttribute('aria-pressed'), 'true');
    // Hovered or focused it brightens to be read; left alone it is dimmed.
    await page.mouse.move(0, 0);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    assert.ok(Number(await secret.locator('article').evaluate((el) => getComputedStyle(el).opacity)) < 0.8, 'dimmed');
    await waitSaved(page);

    fake.requests.length = 0;
    await send(page, 'What do you know?');
    await messageItems(page).nth(4).getByText('All quiet.').waitFor();
    const prompt = lastPrompt(fake);
    assert.match(prompt, /What do you know\?/);
    assert.match(prompt, /The watch begins\./);
    assert.doesNotMatch(prompt, /SECRET|swordfish/, 'the hidden message never reaches the backend');
    await waitSaved(page);
    await screenshot(page, 'hidden-message-desktop');

    await page.reload();
    await messageItems(page).nth(1).locator('.message-hidden').waitFor();
    const stored = await serverMessages(page, app.server.url, chatId);
    assert.deepEqual(
      stored.map((m) => [m.content, (m as unknown as { hidden: boolean }).hidden]),
      [
        ['The watch begins.', false],
        ['SECRET: the password is swordfish.', true],
        ['All quiet.', false],
        ['What do you know?', false],
        ['All quiet.', false],
      ],
    );
    await page.setViewportSize(PHONE);
    await messageItems(page).nth(1).scrollIntoViewIfNeeded();
    await screenshot(page, 'hidden-message-phone');

    // Shown again, the model reads it again.
    await page.setViewportSize({ width: 1280, height: 860 });
    await messageItems(page).nth(1).getByRole('button', { name: 'Show to the model' }).click();
    await waitSaved(page);
    await send(page, 'And now?');
    await messageItems(page).nth(6).getByText('All quiet.').waitFor();
    assert.match(lastPrompt(fake), /swordfish/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('personas: a picture framed in the browser, the first is the default, one chosen per chat, one locked to the character', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(`${app.server.url}/personas`);
    for (const name of ['Ann', 'Bea']) {
      await page.getByRole('button', { name: 'New persona' }).click();
      await page.getByLabel('Name').fill(name);
      await page.getByRole('button', { name: 'Add persona' }).click();
      await page.getByRole('listitem', { name }).waitFor();
    }
    await waitSaved(page);
    const ann = page.getByRole('listitem', { name: 'Ann' });
    await ann.getByText('default').waitFor();
    assert.equal(await page.getByRole('listitem', { name: 'Bea' }).getByText('default', { exact: true }).count(), 0);

    // Ann's picture: chosen, framed (a wide picture becomes a square), uploaded as a PNG.
    await ann.getByLabel('Picture file for Ann').setInputFiles(await pictureFile('ann.png', '#c04', { width: 600, height: 300 }));
    const crop = page.getByRole('dialog', { name: 'Frame the picture of Ann' });
    await crop.locator('.reactEasyCrop_Container img').waitFor();
    await crop.getByLabel('Zoom').fill('1.5');
    await screenshot(page, 'persona-crop');
    await crop.getByRole('button', { name: 'Use this picture' }).click();
    await crop.waitFor({ state: 'hidden' });
    const annPicture = ann.getByRole('button', { name: 'Change the picture of Ann' }).locator('img');
    await annPicture.waitFor();
    const size = await annPicture.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
    assert.deepEqual(size, [512, 512], 'framed to a square in the browser');
    await screenshot(page, 'personas-desktop');

    const chatOne = await seedChat(page, app.server.url, { name: 'Seraphina', description: '{{user}} meets {{char}}.' });
    await connect(page, app.server.url, fake);
    const characterId = (await (await page.request.get(`${app.server.url}/api/chats/${chatOne}`)).json()).characterId as string;
    const headers = { 'x-csrf-token': await csrfToken(page, app.server.url) };
    const chatTwo = (await (await page.request.post(`${app.server.url}/api/chats`, { headers, data: { characterId } })).json()).id as string;

    // Chat one: Ann speaks (the default), then Bea is chosen for this chat only.
    await openChat(page, app.server.url, chatOne);
    const who = page.getByRole('button', { name: /^You speak as/ });
    await who.getByText('Ann').waitFor();
    assert.match((await who.getAttribute('aria-label'))!, /the default/);
    assert.ok(await who.locator('img').count(), "the header shows Ann's picture");
    await who.click();
    const chooser = page.getByRole('dialog', { name: 'Who you are in this chat' });
    await chooser.getByRole('radio', { name: /Bea/ }).check();
    await screenshot(page, 'persona-chooser');
    await chooser.getByRole('button', { name: 'Done' }).click();
    await who.getByText('Bea').waitFor();
    await send(page, 'Hello from Bea.');
    await messageItems(page).nth(2).getByText('All quiet.').waitFor();
    await messageItems(page).nth(1).getByText('Bea', { exact: true }).waitFor();
    assert.match(lastPrompt(fake), /Bea meets Seraphina\./);
    await waitSaved(page);
    await screenshot(page, 'persona-chat-desktop');

    // Chat two still has the default; a lock to the character makes Bea speak in every chat with Seraphina.
    await openChat(page, app.server.url, chatTwo);
    await who.getByText('Ann').waitFor();
    await send(page, 'Hello from Ann.');
    await messageItems(page).nth(2).getByText('All quiet.').waitFor();
    assert.match(lastPrompt(fake), /Ann meets Seraphina\./);
    await who.click();
    await chooser.getByRole('radio', { name: /Bea/ }).check();
    await chooser.getByRole('checkbox', { name: 'Always be Bea with Seraphina' }).check();
    await chooser.getByRole('radio', { name: 'The persona locked to Seraphina' }).check();
    await chooser.getByRole('button', { name: 'Done' }).click();
    await waitSaved(page);
    await page.reload();
    await who.getByText('Bea').waitFor();
    assert.match((await who.getAttribute('aria-label'))!, /locked to the character/);
    const character = await (await page.request.get(`${app.server.url}/api/characters/${characterId}`)).json();
    const personas = (await (await page.request.get(`${app.server.url}/api/personas`)).json()) as { id: string; name: string }[];
    assert.equal(character.personaId, personas.find((p) => p.name === 'Bea')!.id);
    const chat = await (await page.request.get(`${app.server.url}/api/chats/${chatTwo}`)).json();
    assert.equal(chat.personaId, null, 'the chat follows the lock, it has no choice of its own');

    await page.setViewportSize(PHONE);
    await openChat(page, app.server.url, chatOne);
    await who.waitFor();
    const box = await who.boundingBox();
    assert.ok(box && box.x + box.width <= PHONE.width && box.height >= 36, 'the persona shows in the phone header');
    await screenshot(page, 'persona-chat-phone');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
