import type { AppContext } from '../app-context.js';
import { EventStream } from '../http/event-stream.js';
import type { ParleyApp } from '../http/parley-app.js';

const HEARTBEAT_MS = 25_000;

/** GET /api/events: the signed-in user's change notices as server-sent events. */
export function eventRoutes(app: ParleyApp, ctx: AppContext) {
  const open = new Set<EventStream>();
  // Streams never end by themselves; close them so a shutdown does not wait on them.
  app.addHook('preClose', async () => {
    for (const stream of open) stream.end();
  });

  app.get('/api/events', { config: { auth: 'required' } }, async (request, reply) => {
    const auth = request.auth!;
    const stream = EventStream.open(reply);
    stream.comment('connected', 2000);
    const unsubscribe = ctx.changes.subscribe(auth.user.id, (notice) => stream.send('change', notice));
    // Notices go to the session, not only the account: signing out (or losing the account) ends the stream.
    const unwatch = ctx.sessions.watch(auth.session, () => stream.end());
    const heartbeat = setInterval(() => stream.comment('heartbeat'), HEARTBEAT_MS);
    open.add(stream);
    stream.onClose(() => {
      clearInterval(heartbeat);
      unsubscribe();
      unwatch();
      open.delete(stream);
    });
  });
}
