import { Accounts } from '../../src/server/security/accounts.js';
import { SessionManager } from '../../src/server/security/session-manager.js';
import type { User } from '../../src/server/store/users-repository.js';
import { systemClock, type Clock } from '../../src/server/clock.js';
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
