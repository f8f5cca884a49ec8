import { randomUUID } from 'node:crypto';
import type { Card } from '../../shared/api/characters.js';
import { cutText } from '../../shared/cut-text.js';
import { ApiError } from '../errors/api-error.js';
import type { ChatRecord, MessageRecord } from '../store/chats-repository.js';
import type { Repositories } from '../store/store.js';

/** SillyTavern's chat naming: "<Name> - 2024-09-28@01h02m03s". */
export function defaultChatTitle(name: string, now: number): string {
  const d = new Date(now);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${name} - ${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}@${p(d.getHours())}h${p(d.getMinutes())}m${p(d.getSeconds())}s`;
}

/** Whether a title is still the one made up at creation (any character name, any date). */
export function isDefaultChatTitle(title: string): boolean {
  return /^.* - \d{4}-\d{2}-\d{2}@\d{2}h\d{2}m\d{2}s$/s.test(title);
}

/** Opening words make a title of at most this many characters (cut at a word, with an ellipsis). */
const TITLE_CHARS = 48;

/**
 * The first words of a message as a chat title: one line, markup and extra spaces gone, cut at a word boundary;
 * null when nothing readable is left. (Parley's own: SillyTavern keeps its dated names.)
 */
export function titleFromOpeningWords(text: string): string | null {
  const plain = text.replace(/[*_`~#>|[\]]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (!plain) return null;
  if (plain.length <= TITLE_CHARS) return plain;
  const cut = cutText(plain, TITLE_CHARS);
  const space = cut.lastIndexOf(' ');
  return `${(space > TITLE_CHARS / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:!?-]+$/, '')}…`;
}

/** The greeting opens the chat; alternate greetings are its swipes, as in SillyTavern. */
export function greetingOf(card: Card, now: number, rewritten?: ReadonlyMap<string, string>): MessageRecord | null {
  // `rewritten`: what regex scripts make of each greeting (services/regex-scripts.ts regexGreetings).
  const as = (text: string) => rewritten?.get(text) ?? text;
  const alternates = (card.data.alternate_greetings ?? []).filter((g) => typeof g === 'string' && g.length > 0).map(as);
  const first = as(card.data.first_mes);
  if (!first && alternates.length === 0) return null;
  const swipes = alternates.length > 0 ? [first, ...alternates] : [];
  return {
    seq: 0,
    id: randomUUID(),
    role: 'assistant',
    name: card.data.name,
    content: first,
    swipes,
    swipeIndex: 0,
    extra: {},
    imported: null,
    status: 'complete',
    revision: 1,
    hidden: false,
    bookmarkedAt: null,
    createdAt: now,
  };
}

export interface NewChat {
  characterId?: string | undefined;
  title?: string | undefined;
  id?: string | undefined;
}

/** Creates a chat with its greeting. A client-proposed id makes a retried create return the first chat. */
export async function createChat(
  repos: Repositories,
  userId: string,
  input: NewChat,
  now: number,
  greetings?: ReadonlyMap<string, string>,
): Promise<{ chat: ChatRecord; created: boolean }> {
  if (input.id) {
    const existing = await repos.chats.get(userId, input.id);
    if (existing) return { chat: existing, created: false };
    if (await repos.chats.exists(input.id)) throw new ApiError('conflict', 'That chat id is already taken');
  }
  // The character's row held: a trash of it from another device waits for this chat and takes it along.
  const mark = input.characterId ? await repos.characters.trash.lock(userId, input.characterId) : undefined;
  const character = mark && !mark.trashId ? await repos.characters.get(userId, input.characterId!) : undefined;
  if (!character) throw new ApiError('not_found', 'Character not found');
  const greeting = greetingOf(character.card, now, greetings);
  const chat: ChatRecord = {
    id: input.id ?? randomUUID(),
    userId,
    characterId: character.id,
    title: input.title ?? defaultChatTitle(character.name, now),
    revision: greeting ? 1 : 0,
    messageCount: greeting ? 1 : 0,
    nextSeq: greeting ? 1 : 0,
    metadata: {},
    imported: null,
    sourceKey: null,
    personaId: null,
    createdAt: now,
    updatedAt: now,
    branch: null,
  };
  await repos.chats.insert(chat);
  if (greeting) await repos.chats.insertMessages(chat.id, [greeting]);
  return { chat, created: true };
}
