import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeLlmServer } from '../support/fake-llm-server.js';
import { waitSaved } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

describe('Settings opened first, the theme in two places, a connection tested before it is saved', { skip: skipWithoutChromium }, () => {
  let fake: FakeLlmServer;
  before(async () => {
    fake = await FakeLlmServer.start({ models: ['first-model', 'second-model'] });
  });
  const app = appInBrowser();
  after(async () => {
    await fake?.close();
  });

  test('Settings as the first screen: radios sit beside their labels; the top bar toggle and the radios agree', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(`${app.server.url}/settings`);
    const light = page.getByRole('radio', { name: 'Light' });
    await light.waitFor();
    // A radio as wide as the form (the input rule of base.css) would push its label onto the next line.
    const radio = (await light.boundingBox())!;
    const label = (await page.locator('label', { has: light }).boundingBox())!;
    assert.ok(radio.width < 40, `the radio is ${radio.width}px wide`);
    assert.ok(label.height < 60, `the label is ${label.height}px tall: the radio and its text share a line`);
    await screenshot(page, 'settings-opened-first');

    await page.getByRole('button', { name: /^Theme: / }).click();
    const chosen = await page.getByRole('button', { name: /^Theme: / }).getAttribute('aria-label');
    const expected = { 'Theme: light': 'Light', 'Theme: dark': 'Dark', 'Theme: system': 'Follow the system' }[chosen!]!;
    assert.equal(await page.getByRole('radio', { name: expected }).isChecked(), true, `${chosen} shows in Settings`);
    await page.getByRole('radio', { name: 'Dark' }).check();
    await page.getByRole('button', { name: 'Theme: dark' }).waitFor();
    await page.getByRole('radio', { name: 'Follow the system' }).check();
    await page.getByRole('button', { name: 'Theme: system' }).waitFor();
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('Custom preset: Test in the form before saving lists the models and fills the empty Model with the first', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(`${app.server.url}/connections`);
    await page.getByRole('link', { name: 'Custom (any OpenAI-compatible)' }).click();
    await page.waitForURL(/preset=custom/);
    await page.getByLabel('Address').fill(fake.url);
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await page.getByText(/Connected in \d+ ms\. 2 models listed\./).waitFor();
    assert.equal(await page.getByRole('combobox', { name: /^Model/ }).or(page.getByRole('textbox', { name: /^Model/ })).first().inputValue(), 'first-model');
    const saved = (await (await page.request.get(`${app.server.url}/api/connections`)).json()) as unknown[];
    assert.equal(saved.length, 0, 'testing saved nothing');
    await screenshot(page, 'connection-form-tested');
    await page.getByRole('button', { name: 'Add connection' }).click();
    await waitSaved(page);
    const after = (await (await page.request.get(`${app.server.url}/api/connections`)).json()) as Array<{ model: string; name: string }>;
    assert.deepEqual(after.map((c) => [c.name, c.model]), [['Custom (any OpenAI-compatible)', 'first-model']]);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
