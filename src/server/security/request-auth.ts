import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SessionRecord } from '../store/sessions-repository.js';
import type { User } from '../store/users-repository.js';
import type { UsersRepository } from '../store/users-repository.js';
import { refusal } from './refusal.js';
import { SESSION_COOKIE, clearSessionCookie, setSessionCookie } from './session-cookie.js';
import type { SessionManager } from './session-manager.js';

export interface AuthContext {
  user: User;
  session: SessionRecord;
  /** The raw cookie value, to re-issue the cookie as the session slides. */
  token: string;
}

/**
 * Per-route security, declared in the route's `config`:
 * - `auth`: 'required' (default for /api), 'optional' (session used if present), 'none'
 * - `csrf`: false to exempt an unsafe route from the token (login only: there is no session yet)
 * - `admin`: true for admin-only routes
 */
export interface RouteSecurity {
  auth?: 'required' | 'optional' | 'none';
  csrf?: boolean;
  admin?: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
    /** Set when the request carried a cookie of a session that has expired. */
    expiredSession: SessionRecord | null;
  }
  interface FastifyContextConfig extends RouteSecurity {}
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A browser's request from another site is refused before its cookie can do anything. */
function checkOrigin(request: FastifyRequest, sessionAgeS: number | null) {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw refusal(request, 'origin_mismatch', 'Cross-site requests are not accepted', {
      detail: `sec-fetch-site=${site}`,
      sessionAgeS,
    });
  }
  const origin = request.headers.origin;
  if (origin !== undefined) {
    let host: string | null = null;
    try {
      host = new URL(origin).host;
    } catch {
      host = null;
    }
    // request.host is X-Forwarded-Host from a trusted proxy, else the Host header.
    if (host === null || host.toLowerCase() !== request.host.toLowerCase()) {
      throw refusal(request, 'origin_mismatch', `Requests from ${origin} are not accepted`, {
        detail: `origin=${origin}`,
        sessionAgeS,
      });
    }
  }
}

export function registerRequestAuth(app: FastifyInstance, sessions: SessionManager, users: UsersRepository) {
  app.decorateRequest('auth', null);
  app.decorateRequest('expiredSession', null);

  app.addHook('onRequest', async (request, reply) => {
    const security = request.routeOptions.config ?? {};
    const authMode = security.auth ?? (request.url.startsWith('/api/') ? 'required' : 'none');
    if (authMode === 'none') return;

    const token = request.cookies[SESSION_COOKIE];
    if (token) {
      const lookup = await sessions.resolve(token);
      if (lookup.status === 'valid') {
        const user = await users.byId(lookup.session.userId);
        if (user) {
          request.auth = { user, session: lookup.session, token };
          if (lookup.slid) setSessionCookie(request, reply, sessions, token);
        }
      } else if (lookup.status === 'expired') {
        request.expiredSession = lookup.session;
      } else {
        clearSessionCookie(reply);
      }
    }

    const unsafe = !SAFE_METHODS.has(request.method);
    // The session age goes into every refusal line, so an operator can tell a stale tab from an attack.
    const sessionAgeS = request.auth ? sessions.ageSeconds(request.auth.session) : null;
    if (unsafe) checkOrigin(request, sessionAgeS);
    if (authMode === 'optional') return;

    const auth = request.auth;
    if (!auth) {
      const expired = request.expiredSession;
      if (expired) {
        throw refusal(request, 'session_expired', 'Your session has expired; sign in again (nothing queued is lost)', {
          sessionAgeS: sessions.ageSeconds(expired),
        });
      }
      throw refusal(request, 'not_authenticated', 'Sign in first', { detail: token ? 'unknown_session' : 'no_cookie' });
    }

    if (unsafe && security.csrf !== false) {
      const sent = request.headers['x-csrf-token'];
      const value = Array.isArray(sent) ? sent[0] : sent;
      if (!value || !tokensEqual(value, auth.session.csrfToken)) {
        throw refusal(request, 'csrf_invalid', 'The CSRF token is missing or stale; fetch /api/session and retry', {
          detail: value ? 'mismatch' : 'missing',
          sessionAgeS,
        });
      }
    }

    if (security.admin && !auth.user.admin) {
      throw refusal(request, 'forbidden', 'Only an admin may do this', { sessionAgeS });
    }
  });
}
