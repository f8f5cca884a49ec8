import { z } from 'zod';
import { Message } from './chats.js';

/** GET /api/chats/:id/undo: the chat's ops that can be undone, newest first. */
export const UndoStepView = z.object({
  /** The op to name as the undo's `target`. */
  opId: z.string(),
  kind: z.enum(['edit', 'delete', 'selectSwipe', 'setHidden', 'setReasoning']),
  messageId: z.string(),
  createdAt: z.string(),
});
export type UndoStepView = z.infer<typeof UndoStepView>;
export const UndoSteps = z.object({ steps: z.array(UndoStepView) });
export type UndoSteps = z.infer<typeof UndoSteps>;

/** GET /api/bookmarks: bookmarked messages across every chat in use, newest bookmark first. */
export const Bookmark = z.object({
  chatId: z.string(),
  chatTitle: z.string(),
  /** null in a group chat. */
  characterId: z.string().nullable(),
  message: Message,
  bookmarkedAt: z.string(),
});
export const BookmarksQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) });
export const BookmarkList = z.object({ bookmarks: z.array(Bookmark) });
export type BookmarkList = z.infer<typeof BookmarkList>;
