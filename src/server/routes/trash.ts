import { IdParams } from '../../shared/api/ids.js';
import type { EmptyTrashResponse, RestoreResponse, TrashList } from '../../shared/api/trash.js';
import type { AppContext } from '../app-context.js';
import { announce } from '../events/announce.js';
import type { ParleyApp } from '../http/parley-app.js';
import { emptyTrash, restoreFromTrash, trashItemView } from '../services/trash.js';

/** The newest entries the trash page shows. */
const TRASH_PAGE = 500;

/** The trash: what was deleted, restoring it exactly, and emptying it (explicitly). */
export function trashRoutes(app: ParleyApp, ctx: AppContext) {
  const { store, clock } = ctx;
  const user = { auth: 'required' } as const;

  app.get('/api/trash', { config: user }, async (request): Promise<TrashList> => {
    const entries = await store.trash.list(request.auth!.user.id, TRASH_PAGE);
    return { items: entries.map(trashItemView), days: ctx.config.trashDays };
  });

  app.post('/api/trash/:id/restore', { config: user, schema: { params: IdParams } }, async (request): Promise<RestoreResponse> => {
    const restored = await store.transaction((repos) => restoreFromTrash(repos, request.auth!.user.id, request.params.id, clock.now()));
    announce(ctx.changes, request, { type: 'trash' });
    switch (restored.kind) {
      case 'message':
        announce(ctx.changes, request, { type: 'chat', chatId: restored.chatId!, revision: restored.revision! });
        break;
      case 'chat': {
        const chat = await store.chats.get(request.auth!.user.id, restored.itemId);
        if (chat) announce(ctx.changes, request, { type: 'chat', chatId: chat.id, revision: chat.revision });
        break;
      }
      // The trash notice has every list re-read (characters, groups, chats, books).
      case 'character':
      case 'group':
      case 'world':
        break;
    }
    return { kind: restored.kind, itemId: restored.itemId, chatId: restored.chatId };
  });

  app.delete('/api/trash', { config: user }, async (request): Promise<EmptyTrashResponse> => {
    const purged = await emptyTrash(store, request.auth!.user.id);
    announce(ctx.changes, request, { type: 'trash' });
    return { purged };
  });
}
