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
    // The stream lives no longer than the session that opened it: signed out, expired or its account gone, it ends.
    // It looks at the session when the account's sessions change (on any node) and at the session's expiry, which
    // another tab's request may have slid meanwhile.
    let expiry: NodeJS.Timeout | undefined;
    let closed = false;
    const lookAtSession = () =>
      ctx.sessions.liveUntil(auth.session.idHash).then(
        (until) => {
          if (closed) return;
          if (until === false) return stream.end();
          clearTimeout(expiry);
          lookAtExpiry(until);
        },
        (err: unknown) => request.log.error({ err }, 'checking a session failed'),
      );
    const lookAtExpiry = (until: number | null) => {
      if (until === null) return;
      expiry = setTimeout(lookAtSession, Math.min(Math.max(until - ctx.clock.now(), EXPIRY_RECHECK_MIN_MS), LONGEST_TIMER_MS));
    };
    lookAtExpiry(auth.session.expiresAt);
    const unsubscribe = ctx.changes.subscribe(auth.user.id, (notice) => (notice.type === 'sessions' ? void lookAtSession() : stream.send('change', notice)));
    const heartbeat = setInterval(() => stream.comment('heartbeat'), HEARTBEAT_MS);
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
