import { ConvertToGroupRequest, CreateGroupRequest, UpdateGroupRequest } from '../../shared/api/groups.js';
import { IdParams } from '../../shared/api/ids.js';
import type { AppContext } from '../app-context.js';
import { announce } from '../events/announce.js';
import { notFound } from '../errors/api-error.js';
import type { ParleyApp } from '../http/parley-app.js';
import { convertChatToGroup, createGroup, groupViews, updateGroup } from '../services/groups.js';
import { chatView } from '../services/message-view.js';
import { trashGroup } from '../services/trash.js';

/** Groups of characters. Their chats are chats (`POST /api/chats` with `groupId`, `GET /api/chats?groupId=`). */
export function groupRoutes(app: ParleyApp, ctx: AppContext) {
  const { store, clock } = ctx;
  const user = { auth: 'required' } as const;

  app.get('/api/groups', { config: user }, async (request) => {
    const userId = request.auth!.user.id;
    return groupViews(store, userId, await store.groups.list(userId));
  });

  app.post('/api/groups', { config: user, schema: { body: CreateGroupRequest } }, async (request, reply) => {
    const userId = request.auth!.user.id;
    const { group, created } = await store.transaction((repos) => createGroup(repos, userId, request.body, clock.now()));
    if (created) announce(ctx.changes, request, { type: 'groups' });
    return reply.status(created ? 201 : 200).send((await groupViews(store, userId, [group]))[0]);
  });

  app.get('/api/groups/:id', { config: user, schema: { params: IdParams } }, async (request) => {
    const userId = request.auth!.user.id;
    const group = await store.groups.get(userId, request.params.id);
    if (!group) throw notFound('Group');
    return (await groupViews(store, userId, [group]))[0];
  });

  app.patch('/api/groups/:id', { config: user, schema: { params: IdParams, body: UpdateGroupRequest } }, async (request) => {
    const userId = request.auth!.user.id;
    const group = await store.transaction((repos) => updateGroup(repos, userId, request.params.id, request.body, clock.now()));
    announce(ctx.changes, request, { type: 'groups' });
    return (await groupViews(store, userId, [group]))[0];
  });

  // The group goes to the trash with its chats, in one transaction; its characters stay.
  app.delete('/api/groups/:id', { config: user, schema: { params: IdParams } }, async (request, reply) => {
    const userId = request.auth!.user.id;
    const chatIds = await store.transaction(async (repos) => {
      const chats = await repos.chats.list(userId, { groupId: request.params.id });
      await trashGroup(repos, userId, request.params.id, { now: clock.now(), days: ctx.config.trashDays });
      return chats.map((c) => c.id);
    });
    announce(ctx.changes, request, { type: 'groups' });
    announce(ctx.changes, request, { type: 'trash' });
    for (const chatId of chatIds) announce(ctx.changes, request, { type: 'chatDeleted', chatId });
    return reply.status(204).send();
  });

  // SillyTavern's "Convert to group": the 1:1 chat stays; a new group and a group chat with a copy of its messages.
  app.post('/api/chats/:id/convert-to-group', { config: user, schema: { params: IdParams, body: ConvertToGroupRequest } }, async (request, reply) => {
    const userId = request.auth!.user.id;
    const { group, chat, created } = await store.transaction((repos) =>
      convertChatToGroup(repos, userId, request.params.id, request.body, clock.now()),
    );
    if (created) {
      announce(ctx.changes, request, { type: 'groups' });
      announce(ctx.changes, request, { type: 'chat', chatId: chat.id, revision: chat.revision });
    }
    return reply.status(created ? 201 : 200).send({ group: (await groupViews(store, userId, [group]))[0], chat: chatView(chat) });
  });
}
