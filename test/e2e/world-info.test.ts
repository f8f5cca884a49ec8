import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { tempDir } from '../support/test-server.js';
import { stEntry } from '../support/world-books.js';
import { saveStatus } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

const PHONE = { width: 390, height: 844 };

/** A SillyTavern world file of `count` entries on disk, as a user has one. */
function bookFile(name: string, count: number): string {
  const entries: Record<string, unknown> = {};
  for (let uid = 0; uid < count; uid++) {
    entries[uid] = stEntry(uid, {
      key: [`place${uid}`, `/realm${uid}\\b/i`],
      comment: uid === 0 ? 'Eldoria' : `Place ${uid}`,
      content: `Place ${uid} is an old town by the river, where ${'travellers '.repeat(uid % 7)}rest.`,
      order: 100 + (uid % 10),
      constant: uid === 1,
    });
  }
  const path = join(tempDir('parley-book-'), `${name}.json`);
  writeFileSync(path, JSON.stringify({ entries }, null, 4));
  return path;
}

async function waitSavedStatus(page: Page) {
  await saveStatus(page).filter({ hasText: 'Saved' }).waitFor({ timeout: 15_000 });
}

describe('world info in the browser', { skip: skipWithoutChromium }, () => {
  const app = appInBrowser();

  test('import a 5,000-entry book, search, edit an entry, disable in bulk, link it: every edit reaches the server', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(`${app.server.url}/worlds`);
    await page.getByRole('heading', { name: 'World info' }).waitFor();
    await page.getByLabel('Lorebook files to import').setInputFiles(bookFile('Eldoria', 5000));
    await page.getByRole('link', { name: 'Eldoria' }).waitFor();
    await screenshot(page, 'world-info-books');

    await page.getByRole('link', { name: 'Eldoria' }).click();
    await page.getByText('5,000 entries').waitFor();
    await entryRows(page).first().waitFor();
    // Virtualized: a few dozen rows in the page, not 5,000.
    const rows = await entryRows(page).count();
    assert.ok(rows > 5 && rows < 80, `${rows} rows rendered`);

    await page.getByRole('searchbox', { name: 'Search entries' }).fill('place4321');
    await page.getByText('1 shown').waitFor();
    await page.getByRole('button', { name: /Place 4321/ }).click();
    const form = page.getByRole('form', { name: 'Entry 4321' });
    await form.getByLabel('Content').fill('Rewritten in the browser.');
    await form.getByLabel('Position').selectOption({ label: '@ Depth' });
    await form.getByLabel(/^Depth/).fill('2');
    await form.getByLabel('Sticky').fill('3');
    await form.getByLabel('Title').click();
    await screenshot(page, 'world-info-entry');
    await waitSavedStatus(page);

    await page.getByRole('searchbox', { name: 'Search entries' }).fill('Place 12');
    await page.getByText('111 shown').waitFor();
    await page.getByLabel('Select all shown').check();
    await page.getByRole('button', { name: 'Disable', exact: true }).click();
    await waitSavedStatus(page);

    const worlds = (await (await fetch(`${app.server.url}/api/worlds`, { headers: { cookie: await cookies(page) } })).json()) as { id: string }[];
    const book = (await (await fetch(`${app.server.url}/api/worlds/${worlds[0]!.id}`, { headers: { cookie: await cookies(page) } })).json()) as {
      entries: { uid: string; entry: Record<string, unknown> }[];
    };
    const byUid = new Map(book.entries.map((e) => [e.uid, e.entry]));
    assert.deepEqual(
      [byUid.get('4321')?.content, byUid.get('4321')?.position, byUid.get('4321')?.depth, byUid.get('4321')?.sticky],
      ['Rewritten in the browser.', 4, 2, 3],
    );
    // Unknown keys and the rest of the entry are kept by an edit.
    assert.equal(byUid.get('4321')?.displayIndex, 4321);
    assert.equal(book.entries.filter((e) => e.entry.disable === true).length, 111);
    assert.equal(byUid.get('12')?.disable, true);
    assert.equal(byUid.get('13')?.disable, false);

    // Active in every chat, from the books page.
    await page.getByRole('link', { name: 'World info' }).first().click();
    await page.getByRole('checkbox', { name: 'Active in every chat' }).first().check();
    // "Saved" may still be showing from the bulk disable: ask the server until the change is in (at most 15 s).
    const globalBooks = async () => {
      const response = await fetch(`${app.server.url}/api/settings`, { headers: { cookie: await cookies(page) } });
      return ((await response.json()) as { values: { worldInfo?: { globalBooks?: string[] } } }).values.worldInfo?.globalBooks;
    };
    const deadline = Date.now() + 15_000;
    while ((await globalBooks())?.length !== 1 && Date.now() < deadline) await page.waitForTimeout(100);
    assert.deepEqual(await globalBooks(), ['Eldoria']);
    await waitSavedStatus(page);
    assert.deepEqual(problems, []);
  });

  test('the editor at 390 px: the list, then the entry below it', async () => {
    const page = await app.browser.context.newPage();
    await page.setViewportSize(PHONE);
    await page.goto(`${app.server.url}/worlds`);
    await page.getByRole('link', { name: 'Eldoria' }).click();
    await entryRows(page).first().waitFor();
    await screenshot(page, 'world-info-phone-list');
    await page.getByRole('searchbox', { name: 'Search entries' }).fill('Eldoria');
    await page.getByRole('button', { name: /Eldoria/ }).click();
    await page.getByRole('form', { name: 'Entry 0' }).waitFor();
    await screenshot(page, 'world-info-phone-entry');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `the editor is ${width}px wide at ${PHONE.width}px`);
  });
});

const entryRows = (page: Page) => page.getByRole('list', { name: 'Entries' }).getByRole('listitem');

async function cookies(page: Page): Promise<string> {
  return (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
}
