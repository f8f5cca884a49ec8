import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { openChat, seedChat, send, serverMessages, until, waitSaved } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

const PHONE = { width: 390, height: 844 };

describe('an installable app that starts offline', { skip: skipWithoutChromium }, () => {
  const app = appInBrowser({}, { viewport: PHONE });

  test('the manifest names the app and its icons, each of the size it says', async () => {
    const page = await app.browser.context.newPage();
    await page.goto(app.server.url);
    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    assert.equal(href, '/manifest.webmanifest');
    const response = await page.request.get(`${app.server.url}${href}`);
    assert.equal(response.status(), 200);
    assert.match(response.headers()['content-type'] ?? '', /^application\/manifest\+json/);
    const manifest = (await response.json()) as {
      name: string;
      start_url: string;
      display: string;
      icons: { src: string; sizes: string; type: string; purpose?: string }[];
    };
    assert.deepEqual([manifest.name, manifest.start_url, manifest.display], ['Parley', '/', 'standalone']);
    assert.ok(manifest.icons.some((icon) => icon.purpose === 'maskable'), 'a maskable icon for Android home screens');
    for (const icon of manifest.icons) {
      const image = await page.request.get(`${app.server.url}${icon.src}`);
      assert.equal(image.status(), 200, icon.src);
      const { width, height, format } = await sharp(await image.body()).metadata();
      assert.equal(`${width}x${height}`, icon.sizes, icon.src);
      assert.equal(`image/${format}`, icon.type, icon.src);
    }
    const apple = await page.locator('link[rel="apple-touch-icon"]').getAttribute('href');
    assert.equal((await page.request.get(`${app.server.url}${apple}`)).status(), 200);
    await page.close();
  });

  test('offline, the app opens from its kept shell, takes a message into the outbox, and sends it when back', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    const chatId = await seedChat(page, app.server.url, { first_mes: 'Good evening.' });
    await openChat(page, app.server.url, chatId);

    // The worker is installed (its precache filled) and active.
    const worker = await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.scriptURL);
    assert.equal(worker, `${app.server.url}/sw.js`);
    // The API is never kept by the worker: only the app's own files are.
    const kept = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
      return urls;
    });
    assert.ok(kept.some((url) => url.includes('/index.html')), 'the shell is kept');
    assert.ok(kept.some((url) => /\/assets\/.+\.js/.test(url)), 'its scripts are kept');
    assert.equal(kept.filter((url) => url.includes('/api/')).length, 0, 'no API answer is kept');

    await app.browser.context.setOffline(true);
    try {
      await page.goto(`${app.server.url}/chats/${chatId}`);
      await page.getByRole('link', { name: 'Parley' }).waitFor();
      await page.getByRole('textbox', { name: 'Message' }).waitFor();
      await send(page, 'Typed on the train, with no signal.');
      await page.locator('[role="status"]', { hasText: /Offline|waiting/ }).first().waitFor();
      await screenshot(page, 'offline-shell-phone');
    } finally {
      await app.browser.context.setOffline(false);
    }
    await until(() => true);
    await waitSaved(page, 30_000);
    const stored = await serverMessages(page, app.server.url, chatId);
    assert.deepEqual(
      stored.map((m) => m.content),
      ['Good evening.', 'Typed on the train, with no signal.'],
    );
    assert.deepEqual(problems, []);
    await page.close();
  });
});
