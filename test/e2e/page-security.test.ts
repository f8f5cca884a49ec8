import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { cardFile, importCard, messageItems, startChat } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

/*
 * Item 8 of issue 8, in the browser: the app runs whole under its Content-Security-Policy (no screen needs an inline
 * script or style the policy refuses), and a remote image in a card's greeting is shown as a link, never fetched.
 */
describe('the page under its Content-Security-Policy', { skip: skipWithoutChromium }, () => {
  const app = appInBrowser();
  let pixels: Server;
  let fetched = 0;

  before(async () => {
    pixels = createServer((_request, response) => {
      fetched += 1;
      response.writeHead(200, { 'content-type': 'image/gif' }).end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'));
    });
    await new Promise<void>((resolve) => pixels.listen(0, '127.0.0.1', resolve));
  });
  after(() => new Promise<void>((resolve) => pixels.close(() => resolve())));

  test('a remote image in a greeting is a link and is never fetched; no screen breaks the policy', async () => {
    const pixel = `http://127.0.0.1:${(pixels.address() as AddressInfo).port}/track.gif`;
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    // Every refusal of the policy, also one a script caught (an eval probe): the page is told of each.
    await page.addInitScript(`window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));`);
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(app.server.url);
    await importCard(page, cardFile({ name: 'Tracker', first_mes: `Look! ![a cat](${pixel}) and <img src="${pixel}?raw" alt="raw">` }, 'tracker.json'), 'Tracker');
    await startChat(page, 'Tracker');
    const first = messageItems(page).first();
    await first.waitFor();
    const links = first.locator('.message-text a.remote-image');
    assert.equal(await links.count(), 2);
    assert.match((await links.first().textContent()) ?? '', /image: a cat — 127\.0\.0\.1:\d+, not loaded/);
    assert.equal(await links.first().getAttribute('href'), pixel);
    assert.equal(await first.locator('.message-text img').count(), 0);
    await screenshot(page, 'remote-image-held-back');

    for (const path of ['/', '/settings', '/connections', '/personas']) {
      await page.goto(app.server.url + path);
      await page.waitForLoadState('networkidle');
    }
    assert.equal(fetched, 0, 'the remote image was fetched');
    assert.deepEqual(violations, []);
    assert.deepEqual(await page.evaluate('window.__violations'), [], 'a script tried what the policy forbids');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test("the message sanitizer keeps every other site's address out of what loads by itself (the policy is the second wall)", async () => {
    const remote = `http://127.0.0.1:${(pixels.address() as AddressInfo).port}`;
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    const greeting = [
      `<svg width="20" height="20"><image href="${remote}/svg-image" width="9" height="9"/><image xlink:href="${remote}/xlink" width="9" height="9"/>`,
      `<filter id="f"><feImage href="${remote}/fe-image"/></filter><rect fill="url(${remote}/fill.svg#p)" mask="url(${remote}/mask.svg#m)"`,
      ` clip-path="url(${remote}/clip.svg#c)" stroke="url(#local)" width="9" height="9"/><path d="M0 0L9 9" marker-start="url(${remote}/marker.svg#m)"/></svg>`,
      `<video src="${remote}/video" preload="auto"><source src="${remote}/source"><track default src="${remote}/track"></video>`,
      `<audio src="${remote}/audio" preload="auto"></audio><img src="${remote}/img" alt="held">`,
    ].join('');
    await importCard(page, cardFile({ name: 'Loader', first_mes: greeting }, 'loader.json'), 'Loader');
    await startChat(page, 'Loader');
    const text = messageItems(page).first().locator('.message-text');
    await text.waitFor();
    // The only address of that site left is the link a remote image became, which loads nothing until clicked.
    const addresses = await text.evaluate((box, host) =>
      Array.from(box.querySelectorAll('*')).flatMap((element) =>
        Array.from(element.attributes).filter((a) => a.value.includes(host)).map((a) => `${element.localName} ${a.name}`),
      ), remote);
    assert.deepEqual(addresses, ['a href']);
    assert.equal(await text.locator('rect[stroke="url(#local)"]').count(), 1, 'a reference inside the message stays');
    assert.equal(fetched, 0);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test("a message's links open in a new tab, SVG's and an image map's too: the app's own tab never leaves", async () => {
    const away = `http://127.0.0.1:${(pixels.address() as AddressInfo).port}/sign-in`;
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    const greeting =
      `<svg width="120" height="24"><a href="${away}" target="_self"><text y="16">Continue</text></a></svg> ` +
      `<svg width="120" height="24"><a xlink:href="${away}"><text y="16">Old</text></a></svg> ` +
      `<map name="m"><area href="${away}" shape="default" target="_top"></map>` +
      '<img usemap="#m" alt="map" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">';
    await importCard(page, cardFile({ name: 'Lure', first_mes: greeting }, 'lure.json'), 'Lure');
    const chatUrl = app.server.url + '/chats/' + (await startChat(page, 'Lure'));
    const text = messageItems(page).first().locator('.message-text');
    await text.waitFor();
    const links = await text.evaluate((box) =>
      Array.from(box.querySelectorAll('[href], [*|href]')).map((link) => `${link.localName} ${link.getAttribute('target')} ${link.getAttribute('rel')}`),
    );
    assert.deepEqual(links, Array(3).fill('a _blank noopener noreferrer nofollow').with(2, 'area _blank noopener noreferrer nofollow'));
    const opened = page.context().waitForEvent('page');
    await text.locator('svg a').first().click();
    await (await opened).close();
    assert.equal(page.url(), chatUrl);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a greeting nested thousands of levels deep is shown as written, and the chat still works', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    // marked recurses once per level: this overflowed its stack, and the throw took the whole page down.
    await importCard(page, cardFile({ name: 'Abyss', first_mes: `${'> '.repeat(3000)}the bottom\nand <b>no</b> markup` }, 'abyss.json'), 'Abyss');
    await startChat(page, 'Abyss');
    const text = messageItems(page).first().locator('.message-text');
    await text.waitFor();
    assert.equal(await text.textContent(), `${'> '.repeat(3000)}the bottomand <b>no</b> markup`);
    assert.equal(await text.locator('br').count(), 1);
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a greeting with a long run of spaces, or past 100,000 characters, is shown as written at once, not after minutes of parsing', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    // marked's `breaks` rule looked ahead over the whole run from each of its spaces: 200,000 took minutes.
    await importCard(page, cardFile({ name: 'Void', first_mes: `*before*${' '.repeat(200_000)}after` }, 'void.json'), 'Void');
    await startChat(page, 'Void');
    const text = messageItems(page).first().locator('.message-text');
    await text.waitFor({ timeout: 10_000 });
    assert.match((await text.textContent()) ?? '', /^\*before\* +after$/);
    // Past 100,000 characters, too (runs of emphasis marks cost the square of their length), the text is as written.
    await page.goto(app.server.url);
    await importCard(page, cardFile({ name: 'Tome', first_mes: '**a'.repeat(40_000) }, 'tome.json'), 'Tome');
    await startChat(page, 'Tome');
    const tome = messageItems(page).first().locator('.message-text');
    await tome.waitFor({ timeout: 10_000 });
    assert.equal(await tome.textContent(), '**a'.repeat(40_000));
    assert.deepEqual(problems, []);
    await page.close();
  });
});
