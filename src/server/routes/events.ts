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
    const unsubscribe = ctx.changes.subscribe(auth.user.id, (notice) => {
      if (notice.type !== 'sessions') return stream.send('change', notice);
      // The stream lives as long as the session that opened it: signed out, or the account gone, it ends.
      ctx.sessions.isLive(auth.session.idHash).then(
        (live) => live || stream.end(),
        (err: unknown) => request.log.error({ err }, 'checking a session failed'),
      );
    });
    const heartbeat = setInterval(() => stream.comment('heartbeat'), HEARTBEAT_MS);
    open.add(stream);
    stream.onClose(() => {
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(stream);
    });
  });
}
