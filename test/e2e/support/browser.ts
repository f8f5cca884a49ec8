import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { tempDir } from '../../support/test-server.js';

export const CHROMIUM = process.env.PARLEY_CHROMIUM ?? '/usr/bin/chromium';

/** node:test's `skip` option: a reason when the browser tests cannot run here, false when they can. */
export const skipWithoutChromium: string | false = existsSync(CHROMIUM)
  ? false
  : `no Chromium at ${CHROMIUM}: install Debian's "chromium" package to run the browser tests`;

/** As this machine's network needs them: no background connections, no QUIC, no first-run UI. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The server serves dist/web; tests build it once when it is missing (npm test builds it fresh). */
export function ensureWebBuilt(): void {
  if (existsSync('dist/web/index.html')) return;
  const result = spawnSync('npx', ['vite', 'build'], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('vite build failed');
}

export interface BrowserOptions {
  /** Reuse a profile (IndexedDB, cookies) to simulate a browser restart. */
  userDataDir?: string;
  viewport?: { width: number; height: number };
  colorScheme?: 'light' | 'dark';
}

export interface TestBrowser {
  context: BrowserContext;
  userDataDir: string;
  close(): Promise<void>;
}

/** A fresh Chromium profile (or a given one), like a user's browser: cookies and IndexedDB persist in it. */
export async function openBrowser(options: BrowserOptions = {}): Promise<TestBrowser> {
  const userDataDir = options.userDataDir ?? tempDir('parley-chromium-');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: options.viewport ?? { width: 1280, height: 860 },
    colorScheme: options.colorScheme ?? 'light',
  });
  context.setDefaultTimeout(15_000);
  return { context, userDataDir, close: () => context.close() };
}

/** Screenshots are test artifacts for people to look at; test-results/ is git-ignored. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync('test-results', { recursive: true });
  await page.screenshot({ path: `test-results/${name}.png` });
}

/** Collects errors thrown in the page and alert()/confirm() dialogs: a card's script must never cause either. */
export function watchPage(page: Page) {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return problems;
}
