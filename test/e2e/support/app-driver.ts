import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { makeCard } from '../../support/fixtures.js';
import { tempDir } from '../../support/test-server.js';

/** Writes a .json character card to a temporary file, as a user would have one on disk. */
export function cardFile(data: Record<string, unknown> = {}, name = 'card.json'): string {
  const path = join(tempDir('parley-card-'), name);
  writeFileSync(path, JSON.stringify(makeCard(data)));
  return path;
}

/** The save signal's text, e.g. "Saved" or "Offline — 5 changes waiting". */
export const saveStatus = (page: Page) => page.getByRole('status').filter({ hasText: /Saved|Saving|Offline|Sign in to save/ });

/** Imports a card through the library's file picker and waits for it to appear. */
export async function importCard(page: Page, path: string, name: string): Promise<void> {
  await page.getByLabel('Character card files').setInputFiles(path);
  await page.getByRole('link', { name }).waitFor();
}

/** Opens a character and starts a chat with it; returns the chat id from the URL. */
export async function startChat(page: Page, name: string): Promise<string> {
  await page.getByRole('link', { name }).click();
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.waitForURL(/\/chats\/[A-Za-z0-9_-]+$/);
  return new URL(page.url()).pathname.split('/').pop()!;
}

export async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

export const messageItems = (page: Page) => page.getByRole('list', { name: 'Messages' }).getByRole('listitem');

/** The chat as the server has it, read with the page's own cookies. */
export async function serverMessages(page: Page, baseUrl: string, chatId: string) {
  const response = await page.request.get(`${baseUrl}/api/chats/${chatId}/messages?limit=1000`);
  if (!response.ok()) throw new Error(`messages: ${response.status()}`);
  const body = (await response.json()) as { messages: Array<{ id: string; content: string; role: string; swipes: string[]; swipeIndex: number }> };
  return body.messages;
}
