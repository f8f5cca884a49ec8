import { GenerateRequest, type GenerationStopResponse, type PromptInspection } from '../../shared/api/generation.js';
import { IdParams } from '../../shared/api/ids.js';
import type { AppContext } from '../app-context.js';
import { originOf } from '../events/announce.js';
import { ApiError, notFound } from '../errors/api-error.js';
import { chatAccess, type ChatNeed } from '../services/chat-access.js';
import { EventStream } from '../http/event-stream.js';
import type { ParleyApp } from '../http/parley-app.js';
import type { RunningGeneration } from '../services/running-generation.js';

/**
 * Generation: POST /api/chats/:id/generate answers with a text/event-stream (start, token..., done | error); the
 * reply lives on the server, so a closed stream changes nothing and GET /api/generations/:id/stream re-attaches.
 */
export function generationRoutes(app: ParleyApp, ctx: AppContext) {
  const { store, generations: manager } = ctx;
  const user = { auth: 'required' } as const;
  const byId = { config: user, schema: { params: IdParams } };

  // A body is optional (Fastify validates a missing one as null): none means GenerateRequest's defaults.
  const generateSchema = { params: IdParams, body: GenerateRequest.nullable().transform((body) => body ?? GenerateRequest.parse({})) };
  app.post('/api/chats/:id/generate', { config: user, schema: generateSchema }, async (request, reply) => {
    const { id } = request.params;
    const { mode, connectionId, speakerId, auto } = request.body;
    const auth = request.auth!;
    // A participant's generation runs in the owner's library, on the owner's active connection, with no admin reach.
    const { chat, ownerId, access } = await chatAccess(store, auth.user.id, id, 'write');
    const owner = access === 'owner';
    const generation = await manager.start(
      {
        userId: ownerId,
        startedBy: auth.user.id,
        userName: auth.user.name,
        admin: owner && auth.user.admin,
        chatId: id,
        chat,
        // The session's read told the stamp of the asker's settings; a participant's generation reads the owner's.
        settingsStamp: owner ? auth.settingsStamp : undefined,
        mode,
        connectionId: owner ? connectionId : undefined,
        group: { speakerId, auto },
      },
      originOf(request),
    );
    const stream = EventStream.open(reply);
    if (!owner) endWithShare(stream, auth.user.id, id);
    relay(stream, generation);
  });

  /**
   * A participant's stream of a reply ends when their share does (unshared, or the chat gone to the trash): an
   * unshare takes effect at once, for the reply being written too. Those notices reach the one removed.
   */
  const endWithShare = (stream: EventStream, userId: string, chatId: string) => {
    const check = () => void chatAccess(store, userId, chatId, 'read').catch(() => stream.end());
    const unsubscribe = ctx.changes.subscribe(userId, (notice) => {
      if ('chatId' in notice && notice.chatId === chatId && (notice.type === 'shares' || notice.type === 'chatDeleted')) check();
    });
    stream.onClose(unsubscribe);
    // An unshare between the request's access check and this subscription told no one here: look once more.
    check();
  };

  /** A generation of the user's chat, or of a chat shared with them (read to follow it, write to stop it). */
  const generationFor = async (userId: string, id: string, need: ChatNeed) => {
    const record = (await store.generations.get(userId, id)) ?? (await store.generations.byId(id));
    if (!record) throw notFound('Generation');
    if (record.userId !== userId) {
      const grant = await chatAccess(store, userId, record.chatId, need).catch((error: unknown) => {
        throw error instanceof ApiError && error.code === 'not_found' ? notFound('Generation') : error;
      });
      if (grant.ownerId !== record.userId) throw notFound('Generation');
    }
    return record;
  };

  app.get('/api/generations/:id/stream', byId, async (request, reply) => {
    const { id } = request.params;
    const userId = request.auth!.user.id;
    const record = await generationFor(userId, id, 'read');
    const stream = EventStream.open(reply);
    if (record.userId !== userId) endWithShare(stream, userId, record.chatId);
    const local = manager.local(record.userId, id);
    if (local) return relay(stream, local);
    const gone = new AbortController();
    stream.onClose(() => gone.abort());
    try {
      await manager.follow(record, (event) => stream.send(event.event, event.data), gone.signal);
    } finally {
      stream.end();
    }
  });

  app.post('/api/generations/:id/stop', byId, async (request): Promise<GenerationStopResponse> => {
    const { id } = request.params;
    const record = await generationFor(request.auth!.user.id, id, 'write');
    return manager.stop(record.userId, id);
  });

  app.get('/api/chats/:id/prompt', byId, async (request): Promise<PromptInspection> => {
    const { id } = request.params;
    const { chat } = await chatAccess(store, request.auth!.user.id, id, 'read');
    const latest = await store.generations.latest(chat.id);
    if (!latest) throw notFound('Prompt (nothing has been generated in this chat yet)');
    return latest.inspection;
  });
}

/** Writes a generation's events to the stream until its final one; a client going away only unsubscribes. */
function relay(stream: EventStream, generation: RunningGeneration): void {
  const unsubscribe = generation.subscribe((event) => {
    stream.send(event.event, event.data);
    if (event.event === 'done' || event.event === 'error') stream.end();
  });
  stream.onClose(unsubscribe);
}
