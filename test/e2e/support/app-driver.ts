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

/**
 * Types and sends a message; resolves once the app has taken it (the box empties when it is in the outbox) and the
 * list shows it, so that a waitSaved after it cannot pass before the message is even drawn as pending.
 */
export async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
  await page.waitForFunction(
    (sent) => {
      const area = document.querySelector<HTMLTextAreaElement>('textarea[aria-label="Message"]');
      // Compared as rendered text: the first line, markdown marks and runs of spaces left out. No list (a chat that
      // could not load, offline) has nothing to show. (No named functions in here: tsx would add a helper the page
      // does not have.)
      const marks = /[*_~`#>[\]()]|\s+/g;
      const line = (sent.split('\n')[0] ?? '').replace(marks, '');
      const list = document.querySelector('ol[aria-label="Messages"]');
      const shown = !list || Array.from(list.querySelectorAll('.message-text')).some((m) => (m.textContent ?? '').replace(marks, '').includes(line));
      return area !== null && !area.value.startsWith(sent) && shown;
    },
    text,
  );
}

/** Waits until everything shown is acknowledged by the server: no message marked pending, status "Saved". */
export async function waitSaved(page: Page, timeout = 15_000): Promise<void> {
  await page.waitForFunction(() => document.querySelectorAll('.message-pending').length === 0, undefined, { timeout });
  await saveStatus(page).filter({ hasText: 'Saved' }).waitFor({ timeout });
}

/** Polls a condition of the test's own state (not the page's), for at most `timeout` ms. */
export async function until(condition: () => boolean, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const messageItems = (page: Page) => page.getByRole('list', { name: 'Messages' }).getByRole('listitem');

/** The chat as the server has it, read with the page's own cookies. */
export async function serverMessages(page: Page, baseUrl: string, chatId: string) {
  const response = await page.request.get(`${baseUrl}/api/chats/${chatId}/messages?limit=1000`);
  if (!response.ok()) throw new Error(`messages: ${response.status()}`);
  const body = (await response.json()) as { messages: Array<{ id: string; content: string; role: string; swipes: string[]; swipeIndex: number; status: string; extra: Record<string, unknown> }> };
  return body.messages;
}

/** The page's current CSRF token (the page has a session once the app has loaded). */
export async function csrfToken(page: Page, baseUrl: string): Promise<string> {
  const session = await page.request.get(`${baseUrl}/api/session`);
  return ((await session.json()) as { csrfToken: string }).csrfToken;
}

/** A character and a chat with it, made through the API with the page's session; returns the chat id. */
export async function seedChat(page: Page, baseUrl: string, data: Record<string, unknown> = {}): Promise<string> {
  // The app makes the session on load; asking for a token before that could make a second, competing one.
  await saveStatus(page).filter({ hasText: 'Saved' }).waitFor();
  const headers = { 'x-csrf-token': await csrfToken(page, baseUrl) };
  const character = await page.request.post(`${baseUrl}/api/characters`, { headers, data: { card: makeCard(data) } });
  if (character.status() !== 201) throw new Error(`character: ${character.status()}`);
  const { id: characterId } = (await character.json()) as { id: string };
  const chat = await page.request.post(`${baseUrl}/api/chats`, { headers, data: { characterId } });
  if (chat.status() !== 201) throw new Error(`chat: ${chat.status()}`);
  return ((await chat.json()) as { id: string }).id;
}

/** Opens a chat by its URL and waits for its first message (the greeting). */
export async function openChat(page: Page, baseUrl: string, chatId: string): Promise<void> {
  await page.goto(`${baseUrl}/chats/${chatId}`);
  await messageItems(page).first().waitFor();
}

/** The op ids a page sent to POST /api/chats/:id/ops, one entry per time sent. */
export function recordSentOps(page: Page): string[] {
  const sent: string[] = [];
  page.on('request', (request) => {
    if (request.method() !== 'POST' || !/\/api\/chats\/[^/]+\/ops$/.test(request.url())) return;
    const body = request.postDataJSON() as { ops: Array<{ opId: string }> };
    for (const op of body.ops) sent.push(op.opId);
  });
  return sent;
}
