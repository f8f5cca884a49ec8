import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cardFile, csrfToken, messageItems, openChat, seedChat, serverMessages, waitSaved } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';
import { tempDir } from '../support/test-server.js';

/** Each line a payload of the sanitizer's table (issue 10, item 9), with what must be true of it once rendered. */
const GREETING = [
  'Welcome, traveller.',
  '',
  '<img src="x" onerror="alert(\'img\')" data-case="img">',
  '',
  '<svg data-case="svg"><script>alert(\'svg\')</script></svg>',
  '',
  '<a href="javascript:alert(\'a\')" data-case="js-link">a link</a>',
  '',
  '<iframe src="/" data-case="iframe"></iframe>',
  '',
  '<form action="/x"><input name="a"><button>b</button></form>',
  '',
  '<div data-case="url" style="color: rgb(0, 128, 0); background: url(http://127.0.0.1:9/x.gif)">green, no image</div>',
  '',
  '<div data-case="fixed" style="position: fixed; top: 0; color: rgb(0, 0, 255)">not over the app</div>',
  '',
  '<div data-case="onclick" onclick="alert(\'click\')" onmouseover="alert(2)">hover me</div>',
  '',
  '<div data-case="absolute" style="position: absolute; top: 0; right: 0; width: 40px; height: 5000px; background: rgb(0, 0, 0)"></div>',
  '',
  '<style>body { display: none }</style>',
  '',
  '<link rel="stylesheet" href="http://127.0.0.1:9/x.css"><meta http-equiv="refresh" content="0;url=javascript:alert(1)"><base href="http://127.0.0.1:9/">',
  '',
  '<details data-case="details"><summary>More</summary>hidden text</details>',
  '',
  '<table data-case="table"><tr><td style="border: 1px solid rgb(255, 0, 0); padding: 4px">cell</td></tr></table>',
  '',
  '[STATUS:healthy]',
].join('\n');

const STATUS_SCRIPT = {
  id: 'status-box',
  scriptName: 'Status box',
  findRegex: '/\\[STATUS:([^\\]]*)\\]/g',
  replaceString:
    '<div class="status-box" data-case="status" style="border: 2px solid rgb(204, 51, 51); padding: 6px; border-radius: 6px; background: rgb(255, 238, 238)"><b>Status</b>: $1</div>',
  trimStrings: [],
  placement: [2],
  disabled: false,
  markdownOnly: true,
  promptOnly: false,
  runOnEdit: false,
  substituteRegex: 0,
  minDepth: null,
  maxDepth: null,
};

describe('regex scripts and message HTML in the browser', { skip: skipWithoutChromium }, () => {
  const app = appInBrowser();

  test('a display-only script draws a styled box; the payload table renders without running anything', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    const chatId = await seedChat(page, app.server.url, { first_mes: GREETING });
    const patched = await page.request.patch(`${app.server.url}/api/settings`, {
      headers: { 'x-csrf-token': await csrfToken(page, app.server.url) },
      data: { opId: 'regex-e2e-1', patch: { regex: { scripts: [STATUS_SCRIPT] } } },
    });
    assert.equal(patched.status(), 200);
    await openChat(page, app.server.url, chatId);
    const text = messageItems(page).first().locator('.message-text');
    const status = text.locator('[data-case="status"]');
    await status.waitFor();
    assert.equal(await status.evaluate((e) => getComputedStyle(e).borderTopWidth), '2px', 'inline styles apply under the CSP');
    assert.equal(await status.textContent(), 'Status: healthy');

    // No helper functions inside: the page gets this function as text, without what tsx adds around named ones.
    const found = await text.evaluate((root) => {
      const all = Array.from(root.querySelectorAll('*'));
      const url = root.querySelector('[data-case="url"]');
      const fixed = root.querySelector('[data-case="fixed"]');
      const cell = root.querySelector('[data-case="table"] td');
      return {
        handlers: all.flatMap((e) => Array.from(e.attributes).filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName}.${a.name}`)),
        refused: all.filter((e) => /^(SCRIPT|IFRAME|FORM|INPUT|BUTTON|STYLE|LINK|META|BASE)$/.test(e.tagName)).map((e) => e.tagName),
        jsLink: root.querySelector('[data-case="js-link"]')?.getAttribute('href') ?? null,
        urlStyle: url?.getAttribute('style') ?? null,
        urlColour: url ? getComputedStyle(url).color : null,
        fixedPosition: fixed ? getComputedStyle(fixed).position : null,
        details: root.querySelector('[data-case="details"] summary')?.textContent ?? null,
        cellBorder: cell ? getComputedStyle(cell).borderTopColor : null,
      };
    });
    assert.deepEqual(found.handlers, []);
    assert.deepEqual(found.refused, []);
    assert.equal(found.jsLink, null);
    assert.equal(found.urlStyle, 'color: rgb(0, 128, 0)');
    assert.equal(found.urlColour, 'rgb(0, 128, 0)');
    assert.notEqual(found.fixedPosition, 'fixed');
    assert.equal(found.details, 'More');
    assert.equal(found.cellBorder, 'rgb(255, 0, 0)');
    // Events straight at the element (the absolutely placed box lies over it): nothing runs.
    await text.locator('[data-case="onclick"]').dispatchEvent('mouseover');
    await text.locator('[data-case="onclick"]').dispatchEvent('click');
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).display), 'block');
    // A box placed absolutely stays inside its message: the composer below is still what a click there reaches.
    const composer = page.getByRole('textbox', { name: 'Message' });
    await composer.click();
    assert.ok(await composer.evaluate((e) => e === document.activeElement));

    // The stored greeting is as the card wrote it: the box is only what the view shows.
    const stored = await serverMessages(page, app.server.url, chatId);
    assert.ok(stored[0]?.content.includes('[STATUS:healthy]'));
    await screenshot(page, 'regex-status-box-and-payloads');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the Regex screen imports a SillyTavern script file and lists it', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(`${app.server.url}/regex`);
    const file = join(tempDir('parley-regex-'), 'regex-Curly_quotes.json');
    writeFileSync(file, JSON.stringify({ ...STATUS_SCRIPT, id: 'quotes', scriptName: 'Curly quotes', findRegex: '/"([^"]*)"/g', replaceString: '“$1”' }));
    await page.getByLabel('Regex script files to import').setInputFiles(file);
    const list = page.getByRole('list', { name: 'Global regex scripts' });
    await list.getByText('Curly quotes').waitFor();
    assert.ok(await list.getByText('Status box').isVisible(), 'the script set through the API is listed first');
    await list.getByRole('listitem').nth(1).getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('form', { name: 'Regex script' }).waitFor();
    await screenshot(page, 'regex-screen');
    assert.deepEqual(problems, []);
    await page.close();
  });
});

describe("a card's own regex scripts in the browser", { skip: skipWithoutChromium }, () => {
  const app = appInBrowser();

  test('an imported card says it carries scripts; its page lists them off until allowed', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    const cardScript = { ...STATUS_SCRIPT, id: 'card-1', scriptName: 'Card status' };
    await page.getByLabel('Character card files').setInputFiles(cardFile({ name: 'Scripted', extensions: { regex_scripts: [cardScript] } }, 'scripted.json'));
    await page.getByRole('list', { name: 'Import results' }).getByText(/Scripted — its card has 1 regex script\(s\), off until you allow them/).waitFor();
    await page.getByRole('link', { name: 'Scripted' }).click();
    await page.getByRole('tab', { name: 'Card' }).click();
    const section = page.getByRole('region', { name: 'Regex scripts of the card' });
    await section.getByText('Card status').waitFor();
    const allow = section.getByLabel("Allow this card's regex scripts to run in its chats");
    assert.equal(await allow.isChecked(), false);
    await allow.check();
    await waitSaved(page);
    const settings = await (await page.request.get(`${app.server.url}/api/settings`)).json();
    const characterId = new URL(page.url()).pathname.split('/').pop();
    assert.deepEqual(settings.values.regex.allowedCharacters, [characterId]);

    // Editing one writes it into the card, its other fields as they were.
    await section.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Regex script' });
    await form.getByLabel('Script name').fill('Card status, edited');
    await form.getByRole('button', { name: 'Save' }).click();
    await section.getByText('Card status, edited').waitFor();
    await waitSaved(page);
    const character = await (await page.request.get(`${app.server.url}/api/characters/${characterId}`)).json();
    const stored = character.card.data.extensions.regex_scripts;
    assert.equal(stored.length, 1);
    assert.deepEqual({ ...stored[0], scriptName: cardScript.scriptName }, cardScript);
    await screenshot(page, 'regex-card-scripts');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
