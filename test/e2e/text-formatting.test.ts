import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeLlmServer } from '../support/fake-llm-server.js';
import { waitSaved } from './support/app-driver.js';
import { appInBrowser } from './support/app-in-browser.js';
import { screenshot, skipWithoutChromium, watchPage } from './support/browser.js';

const INSTRUCT = { name: 'Imported ChatML', input_sequence: '<|im_start|>user', output_sequence: '<|im_start|>assistant', wrap: true, names_behavior: 'none' };

describe('Text completion formatting: a SillyTavern template imported in Settings, picked and tuned in a connection', { skip: skipWithoutChromium }, () => {
  let fake: FakeLlmServer;
  before(async () => {
    fake = await FakeLlmServer.start({ models: ['m'] });
  });
  const app = appInBrowser();
  after(async () => {
    await fake?.close();
  });

  test('import in Settings, made the default; a new text connection names it with advanced samplers set', async () => {
    const page = await app.browser.context.newPage();
    const problems = watchPage(page);
    await page.goto(`${app.server.url}/settings`);
    const instructGroup = page.locator('fieldset', { has: page.locator('legend', { hasText: /^Instruct templates$/ }) });
    await instructGroup.waitFor();
    await instructGroup.locator('input[type=file]').setInputFiles({ name: 'Imported ChatML.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(INSTRUCT)) });
    const editable = instructGroup.getByRole('combobox', { name: 'Instruct templates to edit' });
    await editable.locator('option', { hasText: 'Imported ChatML' }).waitFor({ state: 'attached' });
    await instructGroup.locator('label.field', { hasText: /Used by connections that name none/ }).locator('select').selectOption({ label: 'Imported ChatML' });
    await waitSaved(page);
    const settings = (await (await page.request.get(`${app.server.url}/api/settings`)).json()) as { values: { formatting: { activeInstruct: string; instruct: Record<string, { name: string }> } } };
    const { activeInstruct, instruct } = settings.values.formatting;
    assert.equal(instruct[activeInstruct]?.name, 'Imported ChatML');
    await instructGroup.getByText(/^Edit /).click();
    await instructGroup.scrollIntoViewIfNeeded();
    await screenshot(page, 'formatting-settings');

    await page.goto(`${app.server.url}/connections`);
    await page.getByRole('link', { name: 'Custom (any OpenAI-compatible)' }).click();
    await page.waitForURL(/preset=custom/);
    await page.locator('label.field', { has: page.locator('span', { hasText: /^API$/ }) }).locator('select').selectOption('text-completions');
    await page.getByLabel('Address').fill(fake.url);
    await page.locator('label.field', { has: page.locator('span', { hasText: /^Instruct template$/ }) }).locator('select').selectOption({ label: 'Imported ChatML' });
    await page.getByText('Advanced samplers').click();
    await page.getByLabel(/^DRY multiplier/).fill('0.8');
    await page.getByLabel(/^Mirostat mode/).fill('2');
    await screenshot(page, 'connection-advanced-samplers');
    await page.getByRole('button', { name: 'Add connection' }).click();
    await waitSaved(page);
    const saved = (await (await page.request.get(`${app.server.url}/api/connections`)).json()) as Array<{ instructTemplate: string; settings: Record<string, unknown> }>;
    assert.equal(saved.length, 1);
    assert.equal(saved[0]!.instructTemplate, activeInstruct);
    assert.equal(saved[0]!.settings.dry_multiplier, 0.8);
    assert.equal(saved[0]!.settings.mirostat_mode, 2);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
