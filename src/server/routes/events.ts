import type { AppContext } from '../app-context.js';
import { EventStream } from '../http/event-stream.js';
import type { ParleyApp } from '../http/parley-app.js';

const HEARTBEAT_MS = 25_000;
/** The session is looked at again no sooner than this after a look (a clock that stands still must not spin it). */
const EXPIRY_RECHECK_MIN_MS = 1_000;
/** Node's timers overflow past 2^31 - 1 ms (~24.8 days); a later expiry is looked at on the way. */
const LONGEST_TIMER_MS = 2_147_483_647;

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
    // Nor does it outlive its session's expiry: then it looks again, as another tab's requests may have slid it.
    let expiry: NodeJS.Timeout | undefined;
    let closed = false;
    const endAtExpiry = (until: number | null) => {
      if (until === null) return;
      const wait = Math.min(Math.max(until - ctx.clock.now(), EXPIRY_RECHECK_MIN_MS), LONGEST_TIMER_MS);
      expiry = setTimeout(() => {
        ctx.sessions.liveUntil(auth.session.idHash).then(
          (next) => closed || (next === false ? stream.end() : endAtExpiry(next)),
          (err: unknown) => request.log.error({ err }, 'checking a session failed'),
        );
      }, wait);
    };
    endAtExpiry(auth.session.expiresAt);
    open.add(stream);
    stream.onClose(() => {
      closed = true;
      clearTimeout(expiry);
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(stream);
    });
  });
}
