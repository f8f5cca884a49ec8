import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { messageItems, send, waitSaved } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

const SERAPHINA = fileURLToPath(new URL('../../../shared/fixtures/sillytavern/default_Seraphina.png', import.meta.url));
const PHONE = { width: 390, height: 844 };

/** Nothing may stick out sideways at phone width: a page that scrolls horizontally is broken on a phone. */
async function assertFitsWidth(page: Page, screen: string) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `${screen} is ${width}px wide at ${PHONE.width}px`);
}

/** Drops a file on an element the way a desktop drag-and-drop does. */
async function dropFile(page: Page, selector: string, path: string, type: string) {
  const transfer = await page.evaluateHandle(
    ({ base64, name, mime }) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], name, { type: mime }));
      return data;
    },
    { base64: readFileSync(path).toString('base64'), name: path.split('/').pop()!, mime: type },
  );
  await page.dispatchEvent(selector, 'dragover', { dataTransfer: transfer });
  await page.dispatchEvent(selector, 'drop', { dataTransfer: transfer });
}

describe('every screen at 390 px in the dark theme', { skip: skipWithoutChromium || (!existsSync(SERAPHINA) && 'no Seraphina fixture in ../shared') }, () => {
  const app = appInBrowser({}, { viewport: PHONE, colorScheme: 'dark' });

  test('drop a PNG card, edit it, chat, export, delete — on a phone-sized dark screen', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    await page.getByRole('heading', { name: 'No characters yet' }).waitFor();
    // The system asks for dark and the page follows: the dark palette's background (#15171a), not the light one.
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(21, 23, 26)');

    await dropFile(page, '.library', SERAPHINA, 'image/png');
    const open = page.getByRole('link', { name: 'Seraphina' });
    await open.waitFor();
    await page.locator('.character-open img').first().waitFor();
    assert.ok(await page.locator('.character-open img').first().evaluate((img: HTMLImageElement) => img.naturalWidth > 0), 'avatar shown');
    await assertFitsWidth(page, 'library');
    await screenshot(page, 'phone-dark-library');

    // Export as PNG: the card file comes back with its chunk.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'PNG' }).click()]);
    const exported = readFileSync((await download.path())!);
    assert.deepEqual([...exported.subarray(1, 4)], [...Buffer.from('PNG')]);
    assert.ok(exported.includes(Buffer.from('chara')), 'the card travels inside the PNG');

    await open.click();
    await page.getByRole('tab', { name: 'Card' }).click();
    const description = page.getByLabel('Description');
    await description.fill('Edited on a phone.');
    await page.getByRole('button', { name: 'Add greeting' }).click();
    await page.getByLabel('Greeting 2').fill('A second way to say hello.');
    await page.getByRole('button', { name: 'Add entry' }).click();
    await page.getByLabel('Keys').last().fill('glade, forest');
    await page.getByLabel('Content').last().fill('The glade is quiet at night.');
    await page.getByLabel('Content').last().blur();
    await assertFitsWidth(page, 'card editor');
    await screenshot(page, 'phone-dark-card-editor');
    await page.getByRole('button', { name: 'Save card' }).click();
    await waitSaved(page);
    const characters = (await (await page.request.get(`${app.server.url}/api/characters`)).json()) as Array<{ id: string }>;
    const card = (await (await page.request.get(`${app.server.url}/api/characters/${characters[0]!.id}`)).json()) as {
      card: { data: { description: string; alternate_greetings: string[]; character_book: { entries: Array<{ keys: string[]; content: string }> } } };
    };
    assert.equal(card.card.data.description, 'Edited on a phone.');
    assert.deepEqual(card.card.data.alternate_greetings.at(-1), 'A second way to say hello.');
    const entry = card.card.data.character_book.entries.at(-1)!;
    assert.deepEqual([entry.keys, entry.content], [['glade', 'forest'], 'The glade is quiet at night.']);

    await page.getByRole('tab', { name: 'Chats' }).click();
    await page.getByRole('button', { name: 'New chat' }).click();
    await messageItems(page).first().waitFor();
    await send(page, 'Hello from a small screen. This line is long enough to wrap on a phone-sized display.');
    await waitSaved(page);
    await assertFitsWidth(page, 'chat');
    await screenshot(page, 'phone-dark-chat');

    for (const [name, path] of [['personas', '/personas'], ['settings', '/settings'], ['connections', '/connections']] as const) {
      await page.goto(app.server.url + path);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await assertFitsWidth(page, name);
      await screenshot(page, `phone-dark-${name}`);
    }

    await page.goto(app.server.url);
    await page.getByRole('button', { name: 'Delete Seraphina' }).click();
    await page.getByRole('dialog', { name: 'Delete character' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'No characters yet' }).waitFor();
    await waitSaved(page);
    assert.deepEqual(await (await page.request.get(`${app.server.url}/api/characters`)).json(), []);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
