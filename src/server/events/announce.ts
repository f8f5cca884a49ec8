import type { FastifyRequest } from 'fastify';
import { CLIENT_ID_HEADER, type ChangeEvent } from '../../shared/api/events.js';
import type { ChangeFeed } from './change-feed.js';

/** The tab a request came from, when it said (X-Parley-Client), so that tab can skip the echo of its change. */
export function originOf(request: FastifyRequest): string | undefined {
  const origin = request.headers[CLIENT_ID_HEADER];
  return typeof origin === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(origin) ? origin : undefined;
}

/** Tells the user's other tabs and devices what this request changed (and a chat's other participants: `participants`
 *  when the request's transaction read them, see ChangeFeed.publish). */
export function announce(changes: ChangeFeed, request: FastifyRequest, event: ChangeEvent, participants?: readonly string[]): void {
  announceTo(changes, request, request.auth!.user.id, event, participants);
}

/** announce, for a change that belongs to another account than the request's (a shared chat's owner). */
export function announceTo(changes: ChangeFeed, request: FastifyRequest, userId: string, event: ChangeEvent, participants?: readonly string[]): void {
  const origin = originOf(request);
  changes.publish(userId, { ...event, ...(origin && { origin }) }, participants);
}
