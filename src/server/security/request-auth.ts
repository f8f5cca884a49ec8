import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import type { SessionRecord } from '../store/sessions-repository.js';
import type { SettingsStamp } from '../store/settings-repository.js';
import type { User } from '../store/users-repository.js';
import { refusal } from './refusal.js';
import { SESSION_COOKIE, clearSessionCookie, setSessionCookie } from './session-cookie.js';
import type { SessionManager } from './session-manager.js';

export interface AuthContext {
  user: User;
  session: SessionRecord;
  /** The raw cookie value, to re-issue the cookie as the session slides. */
  token: string;
  /** The stamp of the user's settings, read with the session as the request began (one read fewer where the
   *  request uses them: SettingsCache.get). */
  settingsStamp: SettingsStamp;
}

/**
 * Who may call a route, declared in its `config.auth`; a route that declares nothing is 'required':
 * - 'none': anyone (health check, the web client's files); no session is read
 * - 'optional': anyone; the session is used when there is one (GET /api/session, login)
 * - 'required': a signed-in user
 * - 'admin': a signed-in admin
 */
export type RouteAuth = 'none' | 'optional' | 'required' | 'admin';

/** A route's security, declared in its `config`. `csrf: false` exempts an unsafe route from the token (login). */
export interface RouteSecurity {
  auth?: RouteAuth;
  csrf?: boolean;
}

/** One registered route and the security it runs with, as the security hook will apply it. */
export interface RouteEntry {
  method: string;
  url: string;
  auth: RouteAuth;
  csrf: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
    /** Set when the request carried a cookie of a session that has expired. */
    expiredSession: SessionRecord | null;
  }
  interface FastifyContextConfig extends RouteSecurity {}
  interface FastifyInstance {
    /** Every route with its effective security, filled as routes are registered (complete once ready). */
    readonly routeTable: () => RouteEntry[];
  }
}

export interface RequestAuthOptions {
  sessions: SessionManager;
  /** Accounts on: a user without a password cannot sign in, so a session of one is not honoured either. */
  accountsOn: boolean;
  /** Whether an unmatched GET may be answered with the web client's page (a deep link such as /chats/<id>). */
  isClientPath: (request: FastifyRequest) => boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The security a matched route runs with: what it declares, `required` when it declares nothing. */
function securityOf(config: RouteSecurity | undefined): Required<RouteSecurity> {
  return { auth: config?.auth ?? 'required', csrf: config?.csrf ?? true };
}

/** A declaration that would leave a door open is a startup error, not a runtime surprise. */
function assertCoherent(route: RouteOptions, security: Required<RouteSecurity>) {
  if (!['none', 'optional', 'required', 'admin'].includes(security.auth)) {
    throw new Error(`route ${route.url}: unknown auth "${String(security.auth)}"`);
  }
  if (!security.csrf && (security.auth === 'required' || security.auth === 'admin')) {
    throw new Error(`route ${route.url}: only a route without a session (auth none/optional) may skip the CSRF token`);
  }
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

/**
 * Security decided from the route the router matched — never from the URL's text, which can spell the same path
 * many ways — and denied by default. One hook, checks in a fixed order with no way around them: an unmatched path is
 * a 404 before anything is read (a GET of a client path gets the web client's page); then the session, the Origin
 * check on every unsafe method, the session requirement, the CSRF token, the admin requirement.
 */
export function registerRequestAuth(app: FastifyInstance, options: RequestAuthOptions) {
  const { sessions, accountsOn } = options;
  app.decorateRequest('auth', null);
  app.decorateRequest('expiredSession', null);

  // Route options are read when asked, not when registered: a scope's own onRoute hook (the web client's, which
  // declares its files public) runs after this one and may still set `config`.
  const routes: RouteOptions[] = [];
  app.decorate('routeTable', () =>
    routes.flatMap((route) => {
      const security = securityOf(route.config);
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      return methods.map((method) => ({ method, url: route.url, ...security }));
    }),
  );
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  app.addHook('onReady', async () => {
    for (const route of routes) assertCoherent(route, securityOf(route.config));
  });

  async function readSession(request: FastifyRequest, reply: FastifyReply): Promise<string | undefined> {
    const token = request.cookies[SESSION_COOKIE];
    if (!token) return undefined;
    const lookup = await sessions.resolve(token);
    if (lookup.status === 'valid') {
      const { user } = lookup;
      // With accounts on, the password-less account of single-user mode cannot sign in; its old sessions no more.
      if (user && !(accountsOn && user.passwordHash === null)) {
        request.auth = { user, session: lookup.session, token, settingsStamp: lookup.settingsStamp };
        if (lookup.slid) setSessionCookie(request, reply, sessions, token);
        return token;
      }
      if (user) await sessions.destroy(lookup.session);
      clearSessionCookie(reply);
    } else if (lookup.status === 'expired') {
      request.expiredSession = lookup.session;
    } else {
      clearSessionCookie(reply);
    }
    return token;
  }

  app.addHook('onRequest', async (request, reply) => {
    if (request.is404) {
      // Nothing runs for a path no route has: not the session lookup, not the body parser.
      if (SAFE_METHODS.has(request.method) && options.isClientPath(request)) return;
      throw new ApiError('not_found', `No route ${request.method} ${request.url}`);
    }
    const security = securityOf(request.routeOptions.config);
    const unsafe = !SAFE_METHODS.has(request.method);
    const token = security.auth === 'none' ? undefined : await readSession(request, reply);
    // The session age goes into every refusal line, so an operator can tell a stale tab from an attack.
    const sessionAgeS = request.auth ? sessions.ageSeconds(request.auth.session) : null;

    if (unsafe) checkOrigin(request, sessionAgeS);

    if ((security.auth === 'required' || security.auth === 'admin') && !request.auth) {
      const expired = request.expiredSession;
      if (expired) {
        throw refusal(request, 'session_expired', 'Your session has expired; sign in again (nothing queued is lost)', {
          sessionAgeS: sessions.ageSeconds(expired),
        });
      }
      throw refusal(request, 'not_authenticated', 'Sign in first', { detail: token ? 'unknown_session' : 'no_cookie' });
    }

    if (unsafe && security.csrf && request.auth) {
      const sent = request.headers['x-csrf-token'];
      const value = Array.isArray(sent) ? sent[0] : sent;
      if (!value || !tokensEqual(value, request.auth.session.csrfToken)) {
        throw refusal(request, 'csrf_invalid', 'The CSRF token is missing or stale; fetch /api/session and retry', {
          detail: value ? 'mismatch' : 'missing',
          sessionAgeS,
        });
      }
    }

    if (security.auth === 'admin' && !request.auth?.user.admin) {
      throw refusal(request, 'forbidden', 'Only an admin may do this', { sessionAgeS });
    }
  });
}
