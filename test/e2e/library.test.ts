import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { readCardFile } from '../../src/server/formats/read-card-file.js';
import { tempDir } from '../support/test-server.js';
import { cardFile, csrfToken, importCard, saveStatus, waitSaved } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

const SERAPHINA = new URL('../../../shared/fixtures/sillytavern/default_Seraphina.png', import.meta.url);
const PHONE = { width: 390, height: 844 };

async function pictureFile(name: string, colour: string, size: { width: number; height: number }): Promise<string> {
  const path = join(tempDir('parley-picture-'), name);
  writeFileSync(path, await sharp({ create: { ...size, channels: 3, background: colour } }).jpeg().toBuffer());
  return path;
}

/** Waits until these of the library's cards are shown in this order (the view follows the address a moment later). */
async function expectOrder(page: Page, expected: string[]): Promise<void> {
  const read = () => page.getByRole('list', { name: 'Characters' }).locator('.character-name').allInnerTexts();
  const deadline = Date.now() + 5000;
  let shown: string[] = [];
  while (Date.now() < deadline) {
    shown = (await read()).filter((name) => expected.includes(name));
    if (JSON.stringify(shown) === JSON.stringify(expected)) return;
    await page.waitForTimeout(50);
  }
  assert.deepEqual(shown, expected);
}

async function api<T>(page: Page, baseUrl: string, method: 'GET' | 'POST' | 'PUT', path: string, data?: unknown): Promise<T> {
  const headers = { 'x-csrf-token': await csrfToken(page, baseUrl) };
  const response = await page.request.fetch(`${baseUrl}${path}`, { method, headers, ...(data !== undefined && { data }) });
  if (!response.ok()) throw new Error(`${method} ${path}: ${response.status()}`);
  return (await response.json()) as T;
}

describe('the character library, in the browser', { skip: skipWithoutChromium }, () => {
  const app = appInBrowser();

  test('a new character from scratch: every field, a picture framed to 2:3, saved and exported as a card', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    await page.getByRole('link', { name: 'New character' }).click();
    await page.waitForURL(/\/characters\/new$/);
    const create = page.getByRole('button', { name: 'Create character' });
    assert.equal(await create.isDisabled(), true, 'a character needs a name');

    // Labels with a hint after them are matched by their start.
    const fields: [string | RegExp, string][] = [
      ['Name', 'Nova'],
      ['Creator', 'me'],
      ['Version', '1.0'],
      ['Description', '{{char}} is a navigator of the outer belt.'],
      ['Personality', 'curious, dry'],
      ['Scenario', 'A cramped cockpit.'],
      ['First message', 'Strap in, {{user}}.'],
      [/^Example dialogue/, '<START>\n{{user}}: Where to?\n{{char}}: Out.'],
      [/^System prompt/, 'Stay in character.'],
      ['Post-history instructions', 'Keep it short.'],
      [/^Note/, 'Nova hums when nervous.'],
      ['Creator notes', 'Made in Parley.'],
    ];
    for (const [label, value] of fields) await page.getByLabel(label, { exact: true }).fill(value);
    await page.getByLabel('Tags').fill('sci-fi, pilot');
    await page.getByLabel('Tags').blur();
    await page.getByRole('button', { name: 'Add greeting' }).click();
    await page.getByLabel('Greeting 2').fill('Back again, {{user}}?');

    await page.getByLabel('Picture file for Nova').setInputFiles(await pictureFile('nova.jpg', '#3a6', { width: 900, height: 700 }));
    const crop = page.getByRole('dialog', { name: 'Frame the picture of Nova' });
    await crop.locator('.reactEasyCrop_Container img').waitFor();
    await crop.getByRole('button', { name: 'Use this picture' }).click();
    await crop.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Change the picture of Nova' }).locator('img').waitFor();
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'new-character-desktop');

    await create.click();
    await page.waitForURL(/\/characters\/(?!new)[A-Za-z0-9_-]+\?tab=card$/);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const picture = page.getByRole('button', { name: 'Change the picture of Nova' }).locator('img');
    await picture.waitFor();
    assert.deepEqual(await picture.evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]), [400, 600]);

    const character = await api<{ card: { data: Record<string, any> } }>(page, app.server.url, 'GET', `/api/characters/${id}`);
    const data = character.card.data;
    assert.deepEqual(
      [data.name, data.creator, data.character_version, data.description, data.first_mes, data.mes_example, data.system_prompt],
      ['Nova', 'me', '1.0', '{{char}} is a navigator of the outer belt.', 'Strap in, {{user}}.', fields[7]![1], 'Stay in character.'],
    );
    assert.deepEqual(data.tags, ['sci-fi', 'pilot']);
    assert.deepEqual(data.alternate_greetings, ['Back again, {{user}}?']);
    assert.deepEqual(data.extensions.depth_prompt, { role: 'system', prompt: 'Nova hums when nervous.', depth: 4 });
    const exported = await page.request.get(`${app.server.url}/api/characters/${id}/export?format=png`);
    const { card, image } = readCardFile(new Uint8Array(await exported.body()));
    assert.equal(card.data.post_history_instructions, 'Keep it short.');
    assert.equal((await sharp(image!).metadata()).height, 600, 'the framed picture carries the card');

    // Changing the picture on the character's page.
    await page.getByLabel('Picture file for Nova').setInputFiles(await pictureFile('nova2.jpg', '#a36', { width: 400, height: 400 }));
    const before = await picture.getAttribute('src');
    const again = page.getByRole('dialog', { name: 'Frame the picture of Nova' });
    await again.getByRole('button', { name: 'Use this picture' }).click();
    await again.waitFor({ state: 'hidden' });
    await page.waitForFunction((old) => {
      const img = document.querySelector<HTMLImageElement>('.character-head .avatar-picker img');
      return img !== null && img.getAttribute('src') !== old && img.complete && img.naturalWidth > 0;
    }, before);
    await screenshot(page, 'character-page-desktop');

    // A draft of a new character survives a reload.
    await page.goto(`${app.server.url}/characters/new`);
    await page.getByLabel('Name', { exact: true }).fill('Half-made');
    await page.reload();
    assert.equal(await page.getByLabel('Name', { exact: true }).inputValue(), 'Half-made');
    await page.setViewportSize(PHONE);
    await screenshot(page, 'new-character-phone');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('importing a card already in the library asks: replace keeps the chats, keep both adds one, skip adds none', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    const path = join(tempDir('parley-st-'), 'default_Seraphina.png');
    writeFileSync(path, readFileSync(SERAPHINA));
    await importCard(page, path, 'Seraphina');
    const [first] = await api<{ id: string; name: string }[]>(page, app.server.url, 'GET', '/api/characters').then((list) =>
      list.filter((c) => c.name === 'Seraphina'),
    );
    const chat = await api<{ id: string }>(page, app.server.url, 'POST', '/api/chats', { characterId: first!.id });

    const count = async () => (await api<{ name: string }[]>(page, app.server.url, 'GET', '/api/characters')).filter((c) => c.name === 'Seraphina').length;
    const question = page.getByRole('dialog', { name: '“Seraphina” is already in your library' });

    await page.getByLabel('Character card files').setInputFiles(path);
    await question.waitFor();
    await screenshot(page, 'duplicate-import-question');
    await question.getByRole('button', { name: 'Don’t import' }).click();
    await page.getByText('Did not import Seraphina').waitFor();
    assert.equal(await count(), 1);

    await page.getByLabel('Character card files').setInputFiles(path);
    await question.getByRole('button', { name: 'Replace' }).click();
    await page.getByText('Replaced Seraphina').waitFor();
    assert.equal(await count(), 1);
    const chats = await api<{ id: string }[]>(page, app.server.url, 'GET', `/api/chats?characterId=${first!.id}`);
    assert.deepEqual(chats.map((c) => c.id), [chat.id], 'the replaced character keeps its chats');

    await page.getByLabel('Character card files').setInputFiles(path);
    await question.getByRole('button', { name: 'Keep both' }).click();
    await page.getByText('Imported Seraphina').nth(1).waitFor();
    assert.equal(await count(), 2);

    // With two of that name, the question says which one a replace would take.
    await page.getByLabel('Character card files').setInputFiles(path);
    await question.getByRole('radio').first().waitFor();
    assert.equal(await question.getByRole('radio').count(), 2);
    await page.setViewportSize(PHONE);
    await screenshot(page, 'duplicate-import-question-phone');
    await question.getByRole('button', { name: 'Don’t import' }).click();
    assert.equal(await count(), 2);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('sort, favourites, a click opens the latest chat; on a phone the grid uses the width', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    await saveStatus(page).filter({ hasText: 'Saved' }).waitFor();
    for (const name of ['Mira', 'Aldo', 'Zora']) {
      await page.getByLabel('Character card files').setInputFiles(cardFile({ name, first_mes: `I am ${name}.` }, `${name}.json`));
      await page.getByRole('link', { name }).waitFor();
    }
    const all = await api<{ id: string; name: string }[]>(page, app.server.url, 'GET', '/api/characters');
    const idOf = (name: string) => all.find((c) => c.name === name)!.id;
    await api(page, app.server.url, 'POST', '/api/chats', { characterId: idOf('Aldo') });
    const latest = await api<{ id: string }>(page, app.server.url, 'POST', '/api/chats', { characterId: idOf('Mira') });
    await page.reload();
    await page.getByRole('link', { name: 'Zora' }).waitFor();

    // Recent chat (the default): Mira, then Aldo; Zora never chatted with, after them.
    const expected = ['Mira', 'Aldo', 'Zora'];
    await expectOrder(page, expected);
    await page.getByLabel('Sort').selectOption('name');
    await expectOrder(page, ['Aldo', 'Mira', 'Zora']);
    await page.getByLabel('Sort').selectOption('added');
    await expectOrder(page, ['Zora', 'Aldo', 'Mira']);

    // A favourite comes first and stays one after a reload (it is the card's data.extensions.fav).
    await page.getByRole('button', { name: 'Favourite: Mira' }).click();
    await waitSaved(page);
    await page.reload();
    assert.equal(await page.getByRole('button', { name: 'Favourite: Mira' }).getAttribute('aria-pressed'), 'true');
    assert.equal(await page.getByLabel('Sort').inputValue(), 'added', 'the order is in the address');
    await expectOrder(page, ['Mira', 'Zora', 'Aldo']);
    await page.getByRole('button', { name: '★ Favourites' }).click();
    await expectOrder(page, ['Mira']);
    assert.equal(await page.getByRole('link', { name: 'Zora' }).count(), 0);
    const card = await api<{ card: { data: { extensions: { fav: unknown } } } }>(page, app.server.url, 'GET', `/api/characters/${idOf('Mira')}`);
    assert.equal(card.card.data.extensions.fav, true);
    await page.getByRole('button', { name: '★ Favourites' }).click();
    await screenshot(page, 'library-desktop');

    // A click goes to the latest chat; Details to the page; a character without chats opens its page.
    // (By its title: the recent chats above the grid link to Mira's chats too.)
    await page.getByTitle('Open the latest chat with Mira').click();
    await page.waitForURL(`**/chats/${latest.id}`);
    await page.goBack();
    await page.getByRole('listitem').filter({ hasText: 'Mira' }).getByRole('link', { name: 'Details' }).click();
    await page.waitForURL(`**/characters/${idOf('Mira')}`);
    await page.goBack();
    await page.getByRole('link', { name: 'Zora' }).click();
    await page.waitForURL(`**/characters/${idOf('Zora')}`);

    // Duplicate from the library: a second Aldo.
    await page.goto(app.server.url);
    await page.getByRole('button', { name: 'Duplicate Aldo' }).click();
    await page.waitForFunction(() => Array.from(document.querySelectorAll('.character-name')).filter((n) => n.textContent === 'Aldo').length === 2);

    await page.setViewportSize(PHONE);
    await page.reload();
    await page.getByRole('link', { name: 'Zora' }).waitFor();
    const grid = await page.getByRole('list', { name: 'Characters' }).boundingBox();
    const cards = await page.locator('.character-card').evaluateAll((items) => items.map((item) => item.getBoundingClientRect().width));
    assert.ok(grid && grid.width >= PHONE.width - 40, `the grid spans the screen (${grid?.width})`);
    assert.ok(cards.every((w) => w > (PHONE.width - 40) / 2 - 12), `two columns share it (${cards.join(', ')})`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.equal(overflow, 0, 'nothing is wider than the screen');
    await page.getByRole('list', { name: 'Characters' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'library-phone');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
