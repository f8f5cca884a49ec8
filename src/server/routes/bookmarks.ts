import { BookmarksQuery, type BookmarkList } from '../../shared/api/history.js';
import type { AppContext } from '../app-context.js';
import type { ParleyApp } from '../http/parley-app.js';
import { messageView } from '../services/message-view.js';

/** Bookmarked messages across every chat (a message is bookmarked with the chat op setBookmark). */
export function bookmarkRoutes(app: ParleyApp, ctx: AppContext) {
  app.get('/api/bookmarks', { config: { auth: 'required' }, schema: { querystring: BookmarksQuery } }, async (request): Promise<BookmarkList> => {
    const rows = await ctx.store.chats.bookmarks(request.auth!.user.id, request.query.limit);
    return {
      bookmarks: rows.map(({ chat, message }) => ({
        chatId: chat.id,
        chatTitle: chat.title,
        characterId: chat.characterId,
        message: messageView(message),
        bookmarkedAt: new Date(message.bookmarkedAt!).toISOString(),
      })),
    };
  });
}
