import { Accounts } from '../../src/server/security/accounts.js';
import { SessionManager } from '../../src/server/security/session-manager.js';
import type { User } from '../../src/server/store/users-repository.js';
import { systemClock, type Clock } from '../../src/server/clock.js';
import type { TestClient } from './http-client.js';
import type { TestServer } from './test-server.js';

export interface NewTestUser {
  handle: string;
  password: string;
  admin?: boolean;
  name?: string;
}

/** Creates an account the way the operator's CLI does: straight through Accounts on the server's store. */
export function addUser(server: TestServer, user: NewTestUser, clock: Clock = systemClock): Promise<User> {
  const sessions = new SessionManager(server.store.sessions, clock, server.config.sessionTimeout);
  return new Accounts(server.store, sessions, clock).create(user);
}

/** The store's id of the user a client is signed in as (the API names users by handle only). */
export async function userIdOf(server: TestServer, client: TestClient): Promise<string> {
  const { user } = (await client.get('/api/session')).body as { user: { handle: string } | null };
  const found = user && (await server.store.users.byHandle(user.handle));
  if (!found) throw new Error('the client is signed in as no user of this server');
  return found.id;
}
