import type { FastifyRequest } from 'fastify';
import { CLIENT_ID_HEADER, type ChangeEvent } from '../../shared/api/events.js';
import type { ChangeFeed } from './change-feed.js';

/** Tells the user's other tabs and devices what this request changed. */
export function announce(changes: ChangeFeed, request: FastifyRequest, event: ChangeEvent): void {
  const origin = request.headers[CLIENT_ID_HEADER];
  changes.publish(request.auth!.user.id, {
    ...event,
    ...(typeof origin === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(origin) && { origin }),
  });
}
