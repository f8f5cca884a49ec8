import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app-context.js';

const HEARTBEAT_MS = 25_000;

/** GET /api/events: the signed-in user's change notices as server-sent events. */
export function eventRoutes(app: FastifyInstance, ctx: AppContext) {
  const open = new Set<() => void>();
  // Streams never end by themselves; close them so a shutdown does not wait on them.
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });

  app.get('/api/events', async (request, reply) => {
    const userId = request.auth!.user.id;
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.write('retry: 2000\n: connected\n\n');
    const unsubscribe = ctx.changes.subscribe(userId, (notice) => {
      raw.write(`event: change\ndata: ${JSON.stringify(notice)}\n\n`);
    });
    const heartbeat = setInterval(() => raw.write(': heartbeat\n\n'), HEARTBEAT_MS);
    const end = () => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(end);
      raw.end();
    };
    open.add(end);
    request.raw.on('close', end);
  });
}
