import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { before, describe, test } from 'node:test';
import { makeCard } from '../support/fixtures.js';
import { seedLibrary } from '../support/library-seed.js';
import { saveStatus } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

const COUNT = 20_000;

describe(`a library of ${COUNT.toLocaleString('en')} cards in Chromium`, { skip: skipWithoutChromium }, () => {
  const app = appInBrowser();

  before(async () => {
    const page = await app.browser.context.newPage();
    await page.goto(app.server.url);
    await saveStatus(page).filter({ hasText: 'Saved' }).waitFor();
    await page.close();
    await seedLibrary(app.server.store, COUNT);
  });

  const cards = (page: import('playwright-core').Page) => page.getByRole('list', { name: 'Characters' }).getByRole('listitem');

  test('opens with a page of cards, keeps the DOM small while scrolling, searches and filters by tag on the server', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    await cards(page).first().waitFor();
    await page.getByText(`${COUNT.toLocaleString()} characters`).waitFor();
    // Date added (newest first) after the favourites: every 50th card.
    await page.getByRole('combobox').first().selectOption('added');
    await page.getByRole('link', { name: 'Character 20000' }).waitFor();
    await screenshot(page, 'big-library');
    const rendered = await cards(page).count();
    assert.ok(rendered > 0 && rendered < 120, `only rows in view are in the DOM (${rendered})`);

    // Scrolling down loads further pages; the DOM stays small.
    for (let i = 0; i < 40; i++) await page.mouse.wheel(0, 2_000);
    await page.waitForFunction(() => document.querySelectorAll('.character-card').length > 0);
    await page.waitForTimeout(300);
    const afterScroll = await cards(page).count();
    assert.ok(afterScroll < 120, `after scrolling: ${afterScroll} cards in the DOM`);
    const names = await cards(page).locator('.character-name').allInnerTexts();
    assert.ok(names.some((name) => Number(name.split(' ')[1]) < 19_800), `scrolled past the first pages: ${names.slice(0, 3)}`);

    await page.getByRole('searchbox', { name: 'Search characters' }).fill('1234');
    await page.getByText('12 characters match').waitFor();
    assert.deepEqual((await cards(page).locator('.character-name').allInnerTexts()).sort().slice(0, 3), ['Character 01234', 'Character 11234', 'Character 12340']);
    await page.getByRole('searchbox', { name: 'Search characters' }).fill('');
    await page.getByRole('button', { name: /^tag-07/ }).click();
    await page.getByText('1,000 characters match').waitFor();
    assert.match(page.url(), /tag=tag-07/);
    await screenshot(page, 'big-library-tag');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('an import of many cards shows its progress, stops between two files and resumes with the rest', async () => {
    const page = await app.browser.context.newPage();
    await page.goto(app.server.url);
    await cards(page).first().waitFor();
    const before = (await app.server.store.characters.page((await app.server.store.users.list())[0]!.id, { sort: 'name', start: null, limit: 1 }))!.total;
    const files = Array.from({ length: 60 }, (_, i) => ({
      name: `Batch ${i}.json`,
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(makeCard({ name: `Batch card ${String(i).padStart(2, '0')}` }))),
    }));
    await page.getByLabel('Character card files').setInputFiles(files);
    await page.getByRole('status').filter({ hasText: /Importing \d+ of 60/ }).waitFor();
    await screenshot(page, 'big-library-importing');
    await page.getByRole('button', { name: 'Stop' }).click();
    const stopped = page.getByText(/Stopped: \d+ files not imported yet/);
    await stopped.waitFor();
    const leftText = await stopped.innerText();
    const leftCount = Number(/Stopped: (\d+)/.exec(leftText)![1]);
    assert.ok(leftCount > 0 && leftCount < 60, leftText);
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByText('Imported 60 of 60 files.').or(page.getByText(`Imported ${leftCount} of ${leftCount} files.`)).first().waitFor({ timeout: 60_000 });
    const userId = (await app.server.store.users.list())[0]!.id;
    const afterImport = (await app.server.store.characters.page(userId, { text: 'batch card', sort: 'name', start: null, limit: 100 }))!;
    assert.equal(afterImport.total, 60, 'every card once: none lost, none doubled');
    assert.equal((await app.server.store.characters.page(userId, { sort: 'name', start: null, limit: 1 }))!.total, before + 60);
    await page.close();
  });

  test('bulk select: tag three cards into a folder, export them as one zip, then delete them', async () => {
    const page = await app.browser.context.newPage();
    await page.goto(`${app.server.url}/?sort=name`);
    await cards(page).first().waitFor();
    const names = (await cards(page).locator('.character-name').allInnerTexts()).slice(1, 4);
    for (const name of names) await page.getByRole('checkbox', { name: `Select ${name}` }).check();
    const bar = page.getByRole('region', { name: 'Selected characters' });
    await bar.getByText('3 selected').waitFor();
    await bar.getByRole('textbox', { name: 'Tag for the selected characters' }).fill('chosen');
    await bar.getByRole('button', { name: 'Add tag' }).click();
    await page.getByRole('button', { name: /^chosen 3$/ }).waitFor();
    for (const name of names) assert.equal(await page.getByRole('checkbox', { name: `Select ${name}` }).isChecked(), true, name);
    await screenshot(page, 'big-library-bulk');
    const [download] = await Promise.all([page.waitForEvent('download'), bar.getByRole('button', { name: 'Export cards' }).click()]);
    const zip = unzipSync(new Uint8Array(readFileSync(await download.path())));
    assert.deepEqual(Object.keys(zip).sort(), names.map((name) => `${name}.png`).sort());
    await bar.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click();
    await bar.waitFor({ state: 'detached' });
    const userId = (await app.server.store.users.list())[0]!.id;
    const deadline = Date.now() + 15_000;
    let left = 3;
    while (left > 0 && Date.now() < deadline) {
      left = (await app.server.store.characters.page(userId, { tag: 'chosen', sort: 'name', start: null, limit: 10 }))!.total;
      if (left > 0) await page.waitForTimeout(100);
    }
    assert.equal(left, 0, 'the three chosen cards are deleted on the server');
    await page.close();
  });
});
