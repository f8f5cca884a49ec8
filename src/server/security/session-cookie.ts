import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionManager } from './session-manager.js';

export const SESSION_COOKIE = 'parley_session';

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, sessions: SessionManager, token: string) {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https',
    ...(sessions.cookieMaxAge !== undefined && { maxAge: sessions.cookieMaxAge }),
  });
}

export function clearSessionCookie(reply: FastifyReply) {
  reply.clearCookie(SESSION_COOKIE, { path: '/' });
}
