import { GenerateRequest, type GenerationStopResponse, type PromptInspection } from '../../shared/api/generation.js';
import { IdParams } from '../../shared/api/ids.js';
import type { AppContext } from '../app-context.js';
import { originOf } from '../events/announce.js';
import { notFound } from '../errors/api-error.js';
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
    const generation = await manager.start(
      { userId: auth.user.id, userName: auth.user.name, admin: auth.user.admin, chatId: id, mode, connectionId, group: { speakerId, auto } },
      originOf(request),
    );
    relay(EventStream.open(reply), generation);
  });

  app.get('/api/generations/:id/stream', byId, async (request, reply) => {
    const { id } = request.params;
    const userId = request.auth!.user.id;
    const local = manager.local(userId, id);
    if (local) return relay(EventStream.open(reply), local);
    const record = await store.generations.get(userId, id);
    if (!record) throw notFound('Generation');
    const stream = EventStream.open(reply);
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
    return manager.stop(request.auth!.user.id, id);
  });

  app.get('/api/chats/:id/prompt', byId, async (request): Promise<PromptInspection> => {
    const { id } = request.params;
    const chat = await store.chats.get(request.auth!.user.id, id);
    if (!chat) throw notFound('Chat');
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
