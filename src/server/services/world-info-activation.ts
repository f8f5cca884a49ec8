import type { Message } from '../../shared/api/chats.js';
import type { GenerationMode } from '../../shared/api/generation.js';
import type { WorldInfoSettings } from '../../shared/api/world-info-settings.js';
import { activateWorldInfo, type WorldInfoActivation } from '../generation/world-info/activate-world-info.js';
import { MAX_SCAN_DEPTH } from '../generation/world-info/scan-buffer.js';
import type { CharacterRecord } from '../store/characters-repository.js';
import type { ChatRecord } from '../store/chats-repository.js';
import type { Store } from '../store/store.js';
import { messageView } from './message-view.js';
import type { WorldInfoBooks } from './world-info-books.js';

export interface WorldInfoRequest {
  userId: string;
  /** The user's world info settings, as the generation read them. */
  settings: WorldInfoSettings;
  chat: ChatRecord;
  character: CharacterRecord;
  /** In a group chat: the other members in the scene and the group's own books, whose entries join the scan. */
  group?: { members: readonly CharacterRecord[]; books: readonly string[] } | undefined;
  personaId: string | null;
  /** The user's name in the prompt (the persona's, or the account's). */
  userName: string;
  mode: GenerationMode;
  /** The newest messages already read for the prompt, oldest first; more are read when the scan reaches further. */
  history: readonly Message[];
  /** Tokens the prompt may hold: context size minus response length. */
  promptBudget: number;
  expand: (text: string) => string;
  count: (text: string) => number;
  random: () => number;
}

/**
 * World info for one generation: the books the chat uses (WorldInfoBooks.active), the chat as SillyTavern scans it
 * (newest first, "Name: text" when names are included, the reply being regenerated or swiped left out, the one
 * being continued kept), the chat's timed effects (chat metadata `timedWorldInfo`), and the engine. Null when no
 * book is active.
 */
export async function activateForGeneration(store: Store, books: WorldInfoBooks, request: WorldInfoRequest): Promise<WorldInfoActivation | null> {
  const { chat, character, settings } = request;
  const active = await books.active(store, {
    userId: request.userId,
    settings,
    characters: [character, ...(request.group?.members ?? []).filter((m) => m.id !== character.id)].map((c) => ({
      id: c.id,
      card: c.card.data,
      updatedAt: c.updatedAt,
    })),
    groupBooks: request.group?.books,
    chatMetadata: chat.metadata,
    personaId: request.personaId,
  });
  if (active.length === 0) return null;

  // How far back the scan may read: the deepest entry, the global depth, and min activations' reach.
  const deepest = Math.max(
    settings.scanDepth,
    ...active.map((b) => b.book.deepestEntryScan),
    settings.minActivations > 0 ? settings.minActivationsDepthMax || MAX_SCAN_DEPTH : 0,
  );
  const wanted = Math.min(MAX_SCAN_DEPTH, deepest) + 1;
  let history = request.history;
  if (history.length < wanted && history.length < chat.messageCount) history = (await store.chats.promptPage(chat.id, wanted)).map(messageView);

  const last = history.at(-1);
  const replaced = last?.role === 'assistant' && (request.mode === 'regenerate' || request.mode === 'swipe');
  const scanned = replaced ? history.slice(0, -1) : history;
  const name = (m: Message) => m.name || (m.role === 'user' ? request.userName : character.name);
  const messages = scanned
    .map((m) => (settings.includeNames ? `${name(m)}: ${request.expand(m.content)}` : request.expand(m.content)))
    .reverse();
  return activateWorldInfo({
    books: active,
    settings,
    messages,
    chatLength: chat.messageCount - (replaced ? 1 : 0),
    timedState: chat.metadata.timedWorldInfo,
    promptBudget: request.promptBudget,
    character: { names: [characterFileName(character)], tags: character.tags },
    expand: request.expand,
    count: request.count,
    random: request.random,
    regex: books.regex,
  });
}

/** SillyTavern names characters in entry filters by their file name: an imported card's, else its name. */
function characterFileName(character: CharacterRecord): string {
  const imported = character.sourceKey?.startsWith('st:character:') ? character.sourceKey.slice('st:character:'.length) : null;
  return imported ? imported.replace(/\.[^.]+$/, '') : character.name;
}
