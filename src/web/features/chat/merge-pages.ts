import type { MessagesPage } from '../../../shared/api/chats.js';
import type { ViewMessage } from './apply-chat-ops.js';

/**
 * Folds a fresh newest page into what is loaded: the page is the truth from its oldest seq on (messages there
 * that the page lacks were deleted), older loaded messages stay as they are.
 */
export function mergeNewestPage(loaded: readonly ViewMessage[], page: MessagesPage): ViewMessage[] {
  const first = page.messages[0];
  if (!first || !page.hasMore) return page.messages;
  return [...loaded.filter((message) => message.seq < first.seq), ...page.messages];
}

/** Puts an older page in front of what is loaded, skipping any message already there. */
export function prependOlderPage(loaded: readonly ViewMessage[], page: MessagesPage): ViewMessage[] {
  const known = new Set(loaded.map((message) => message.id));
  return [...page.messages.filter((message) => !known.has(message.id)), ...loaded];
}
