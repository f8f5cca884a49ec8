import type { FastifyInstance } from 'fastify';
import { GenerateRequest, type GenerationStopResponse, type PromptInspection } from '../../shared/api/generation.js';
import { IdParams } from '../../shared/api/ids.js';
import type { AppContext } from '../app-context.js';
import { originOf } from '../events/announce.js';
import { notFound } from '../http/api-error.js';
import { EventStream } from '../http/event-stream.js';
import { parseInput } from '../http/validate.js';
import { GenerationManager } from '../services/generation-manager.js';
import type { RunningGeneration } from '../services/running-generation.js';

/**
 * Generation: POST /api/chats/:id/generate answers with a text/event-stream (start, token..., done | error); the
 * reply lives on the server, so a closed stream changes nothing and GET /api/generations/:id/stream re-attaches.
 */
export function generationRoutes(app: FastifyInstance, ctx: AppContext) {
  const { store } = ctx;
  const manager = new GenerationManager({
    store,
    clock: ctx.clock,
    changes: ctx.changes,
    log: app.log,
    localModels: ctx.localModels,
    backendAllowlist: ctx.backendAllowlist,
    singleNode: ctx.config.database.kind === 'sqlite',
  });
  app.addHook('onReady', () => manager.recover());
  // Before the server waits for open streams to end: stop every generation with its text saved, end its streams.
  app.addHook('preClose', () => manager.close());

  app.post('/api/chats/:id/generate', async (request, reply) => {
    const { id } = parseInput(IdParams, request.params, 'chat id');
    const { mode, connectionId } = parseInput(GenerateRequest, request.body ?? {});
    const auth = request.auth!;
    const generation = await manager.start(
      { userId: auth.user.id, userName: auth.user.name, chatId: id, mode, connectionId },
      originOf(request),
    );
    relay(EventStream.open(reply), generation);
  });

  app.get('/api/generations/:id/stream', async (request, reply) => {
    const { id } = parseInput(IdParams, request.params, 'generation id');
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

  app.post('/api/generations/:id/stop', async (request): Promise<GenerationStopResponse> => {
    const { id } = parseInput(IdParams, request.params, 'generation id');
    return manager.stop(request.auth!.user.id, id);
  });

  app.get('/api/chats/:id/prompt', async (request): Promise<PromptInspection> => {
    const { id } = parseInput(IdParams, request.params, 'chat id');
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
