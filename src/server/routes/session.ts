import type { FastifyReply, FastifyRequest } from 'fastify';
import { LoginRequest, PasswordChangeRequest, type SessionInfo } from '../../shared/api/session.js';
import type { AppContext } from '../app-context.js';
import type { ParleyApp } from '../http/parley-app.js';
import { toPublicUser } from '../security/accounts.js';
import { refusal } from '../security/refusal.js';
import { clearSessionCookie, setSessionCookie } from '../security/session-cookie.js';
import type { SessionRecord } from '../store/sessions-repository.js';
import type { User } from '../store/users-repository.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function sessionRoutes(app: ParleyApp, ctx: AppContext) {
  const accounts = ctx.config.enableUserAccounts;

  const describe = (user: User, session: SessionRecord): SessionInfo => ({
    user: toPublicUser(user),
    csrfToken: session.csrfToken,
    accounts,
    expiresAt: iso(session.expiresAt),
    remoteImages: ctx.config.allowRemoteImages,
  });

  async function startSession(request: FastifyRequest, reply: FastifyReply, user: User) {
    // A new id at every sign-in: a session id planted before login is worthless after it.
    if (request.auth) await ctx.sessions.destroy(request.auth.session);
    if (request.expiredSession) await ctx.sessions.destroy(request.expiredSession);
    const issued = await ctx.sessions.create(user.id);
    setSessionCookie(request, reply, ctx.sessions, issued.token);
    return issued.session;
  }

  app.get('/api/session', { config: { auth: 'optional' } }, async (request, reply): Promise<SessionInfo> => {
    if (request.auth) return describe(request.auth.user, request.auth.session);
    if (!accounts) {
      // Single-user mode: a missing or expired session is replaced here, so no page ever needs a reload.
      const user = await ctx.accounts.ensureDefaultUser();
      return describe(user, await startSession(request, reply, user));
    }
    return { user: null, csrfToken: null, accounts, expiresAt: null, remoteImages: ctx.config.allowRemoteImages };
  });

  app.post(
    '/api/auth/login',
    {
      config: {
        auth: 'optional',
        csrf: false,
        rateLimit: { max: ctx.config.limits.loginAttemptsPerMinute, timeWindow: 60_000 },
      },
      schema: { body: LoginRequest },
    },
    async (request, reply) => {
      const body = request.body;
      const user = await ctx.accounts.authenticate(body.handle, body.password);
      if (!user) {
        throw refusal(request, 'invalid_credentials', 'Wrong username or password', { user: body.handle });
      }
      const session = await startSession(request, reply, user);
      return { user: toPublicUser(user), csrfToken: session.csrfToken };
    },
  );

  app.post('/api/auth/logout', { config: { auth: 'required' } }, async (request, reply) => {
    if (request.auth) await ctx.sessions.destroy(request.auth.session);
    clearSessionCookie(reply);
    return reply.status(204).send();
  });

  app.post('/api/auth/password', { config: { auth: 'required' }, schema: { body: PasswordChangeRequest } }, async (request, reply) => {
    const body = request.body;
    const auth = request.auth!;
    await ctx.accounts.changePassword(auth.user, body.current, body.next, auth.session.idHash);
    return reply.status(204).send();
  });
}
