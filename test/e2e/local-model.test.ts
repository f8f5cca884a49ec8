import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { LOCAL_RUNTIME_ENTRY } from '../../src/server/generation/local-models.js';
import { tempDir } from '../support/test-server.js';
import { writeTinyGguf } from '../support/tiny-gguf.js';
import { messageItems, openChat, seedChat, send, serverMessages, waitSaved } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

const skip = skipWithoutChromium || (existsSync(LOCAL_RUNTIME_ENTRY) ? false : 'node-llama-cpp is not installed here (npm run local-models)');

describe('a model file run inside Parley, from the first-run panel to a reply', { skip }, () => {
  const app = appInBrowser(() => {
    const models = tempDir('parley-models-');
    writeTinyGguf(join(models, 'tiny.gguf'), { contextLength: 4096 });
    return { config: { localModels: { dir: models, threads: 1 } } };
  });

  test('connect the model file preset, pick the file, and get a streamed reply that is stored', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(app.server.url);
    await page.getByRole('region', { name: 'Connect a model' }).getByRole('link', { name: 'Model file (in Parley)' }).click();
    await page.waitForURL(/\/connections\?preset=local/);
    await page.getByRole('button', { name: 'Add connection' }).click();
    const card = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'Model file (in Parley)' }) });
    await card.getByText(/Pick a model file/).waitFor();
    await card.getByRole('button', { name: 'Test connection' }).click();
    await card.getByText(/node-llama-cpp is ready; 1 model file/).waitFor({ timeout: 30_000 });
    await card.getByLabel('Model file').selectOption('tiny.gguf');
    await waitSaved(page);
    await card.getByText('Model file in Parley · tiny.gguf').waitFor();
    await screenshot(page, 'connections-local-model');

    const chatId = await seedChat(page, app.server.url);
    await openChat(page, app.server.url, chatId);
    await send(page, 'Tell me about the forest.');
    const reply = messageItems(page).nth(2);
    await reply.waitFor();
    let saved = await serverMessages(page, app.server.url, chatId);
    for (const deadline = Date.now() + 60_000; saved[2]?.status !== 'complete' && Date.now() < deadline; ) {
      await sleep(100);
      saved = await serverMessages(page, app.server.url, chatId);
    }
    assert.deepEqual(saved.map((m) => m.role), ['assistant', 'user', 'assistant']);
    assert.equal(saved[2]!.status, 'complete');
    assert.ok(saved[2]!.content.length > 0, 'the model wrote something, and it was stored');
    // Once done, the composer offers Send again, and the reply shows its text.
    await page.getByRole('button', { name: 'Stop' }).waitFor({ state: 'detached' });
    await waitSaved(page);
    assert.ok((await reply.innerText()).trim().length > 0, 'and it is shown');
    await screenshot(page, 'chat-local-model');
    assert.deepEqual(problems, []);
    await page.close();
  });
});
