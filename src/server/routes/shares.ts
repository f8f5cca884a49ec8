import { IdParams } from '../../shared/api/ids.js';
import { ShareParams, ShareRequest, type ChatShareList } from '../../shared/api/shares.js';
import type { AppContext } from '../app-context.js';
import { announce } from '../events/announce.js';
import type { ParleyApp } from '../http/parley-app.js';
import { listShares, shareChat, unshareChat } from '../services/chat-shares.js';

/** Sharing a chat with other accounts of the server (its owner decides; a participant may leave). */
export function shareRoutes(app: ParleyApp, ctx: AppContext) {
  const { store, clock } = ctx;
  const user = { auth: 'required' } as const;

  app.get('/api/chats/:id/shares', { config: user, schema: { params: IdParams } }, async (request): Promise<ChatShareList> =>
    listShares(store, request.auth!.user.id, request.params.id),
  );

  app.post('/api/chats/:id/shares', { config: user, schema: { params: IdParams, body: ShareRequest } }, async (request): Promise<ChatShareList> => {
    const { id } = request.params;
    const list = await store.transaction((repos) => shareChat(repos, request.auth!.user, id, request.body, clock.now()));
    announce(ctx.changes, request, { type: 'shares', chatId: id });
    return list;
  });

  app.delete('/api/chats/:id/shares/:handle', { config: user, schema: { params: ShareParams } }, async (request, reply) => {
    const { id, handle } = request.params;
    const removed = await store.transaction((repos) => unshareChat(repos, request.auth!.user, id, handle));
    // The one removed hears of it too (the chat's participants no longer include them).
    ctx.changes.publish(removed.userId, { type: 'shares', chatId: id });
    announce(ctx.changes, request, { type: 'shares', chatId: id });
    return reply.status(204).send();
  });
}
