import type { MessagesPage } from '../../../shared/api/chats.js';
import type { ViewMessage } from './apply-chat-ops.js';

/**
 * The part of a chat held in memory: a run of consecutive messages, oldest first. A reader may scroll through
 * 50,000 messages; the window keeps a few thousand around the place they read and lets the far end go, fetching it
 * again when they come back (a message costs ~0.7 KB of heap, so a whole long chat would be tens of MB).
 */
export interface MessageWindow {
  messages: ViewMessage[];
  /** The server has messages before the first one here. */
  hasOlder: boolean;
  /** The server has messages after the last one here: the newest part was let go while the reader scrolled back. */
  hasNewer: boolean;
}

/**
 * Folds a fresh newest page into what is loaded: the page is the truth from its oldest seq on (messages there
 * that the page lacks were deleted), older loaded messages stay as they are.
 */
export function mergeNewestPage(loaded: readonly ViewMessage[], page: MessagesPage): ViewMessage[] {
  const first = page.messages[0];
  if (!first || !page.hasMore) return page.messages;
  return [...loaded.filter((message) => message.seq < first.seq), ...page.messages];
}

/**
 * Puts an older page in front of what is loaded, skipping any message already there. Past `max` messages the
 * newest go: the reader is at the top, as far from them as the window allows.
 */
export function prependOlderPage(loaded: MessageWindow, page: MessagesPage, max: number): MessageWindow {
  const known = new Set(loaded.messages.map((message) => message.id));
  const messages = [...page.messages.filter((message) => !known.has(message.id)), ...loaded.messages];
  const trimmed = messages.length > max;
  return {
    messages: trimmed ? messages.slice(0, max) : messages,
    hasOlder: page.hasMore,
    hasNewer: loaded.hasNewer || trimmed,
  };
}

/**
 * Puts a newer page (an `after` page) behind what is loaded, skipping any message already there. Past `max`
 * messages the oldest go: the reader is at the bottom.
 */
export function appendNewerPage(loaded: MessageWindow, page: MessagesPage, max: number): MessageWindow {
  const known = new Set(loaded.messages.map((message) => message.id));
  const messages = [...loaded.messages, ...page.messages.filter((message) => !known.has(message.id))];
  const trimmed = messages.length > max;
  return {
    messages: trimmed ? messages.slice(messages.length - max) : messages,
    hasOlder: loaded.hasOlder || trimmed,
    hasNewer: page.hasMore,
  };
}
