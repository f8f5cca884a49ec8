import { randomUUID } from 'node:crypto';
import type { PublicUser } from '../../shared/api/session.js';
import type { Clock } from '../clock.js';
import { ApiError } from '../errors/api-error.js';
import type { Store } from '../store/store.js';
import type { User } from '../store/users-repository.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { SessionManager } from './session-manager.js';

/** The account of single-user mode, as SillyTavern names it. It has no password and cannot log in. */
export const DEFAULT_HANDLE = 'default-user';

export const toPublicUser = (user: User): PublicUser => ({ handle: user.handle, name: user.name, admin: user.admin });

export class Accounts {
  readonly #store: Store;
  readonly #sessions: SessionManager;
  readonly #clock: Clock;

  constructor(store: Store, sessions: SessionManager, clock: Clock) {
    this.#store = store;
    this.#sessions = sessions;
    this.#clock = clock;
  }

  async ensureDefaultUser(): Promise<User> {
    const existing = await this.#store.users.byHandle(DEFAULT_HANDLE);
    if (existing) return existing;
    try {
      return await this.#store.users.insert({
        id: randomUUID(),
        handle: DEFAULT_HANDLE,
        name: 'User',
        passwordHash: null,
        admin: true,
        now: this.#clock.now(),
      });
    } catch (error) {
      // Nodes starting together on one PostgreSQL database race to create it: the loser takes the winner's.
      const created = await this.#store.users.byHandle(DEFAULT_HANDLE);
      if (created) return created;
      throw error;
    }
  }

  /** The user whose handle and password match, or null; a user without a password never matches. */
  async authenticate(handle: string, password: string): Promise<User | null> {
    const user = await this.#store.users.byHandle(handle.toLowerCase());
    const ok = await verifyPassword(user?.passwordHash ?? null, password);
    return ok && user ? user : null;
  }

  async create(input: { handle: string; name?: string; password: string | null; admin?: boolean }): Promise<User> {
    if (await this.#store.users.byHandle(input.handle)) {
      throw new ApiError('conflict', `A user with handle "${input.handle}" already exists`);
    }
    return this.#store.users.insert({
      id: randomUUID(),
      handle: input.handle,
      name: input.name ?? input.handle,
      passwordHash: input.password === null ? null : await hashPassword(input.password),
      admin: input.admin ?? false,
      now: this.#clock.now(),
    });
  }

  /** The user's own change: proves the current password, keeps this session, ends every other. */
  async changePassword(user: User, current: string, next: string, keepSessionHash: string): Promise<void> {
    if (!(await verifyPassword(user.passwordHash, current))) {
      throw new ApiError('invalid_credentials', 'The current password is wrong');
    }
    await this.#store.users.update(user.id, { passwordHash: await hashPassword(next) }, this.#clock.now());
    await this.#sessions.destroyAllOf(user.id, keepSessionHash);
  }

  /** An operator's or admin's change: sets the password and ends every session of that user. */
  async update(handle: string, changes: { name?: string; password?: string; admin?: boolean }): Promise<User> {
    const user = await this.#mustFind(handle);
    if (changes.admin === false && user.admin && (await this.#store.users.countAdmins()) <= 1) {
      throw new ApiError('conflict', 'This is the last admin; make another user admin first');
    }
    const passwordHash = changes.password === undefined ? undefined : await hashPassword(changes.password);
    const { password: _password, ...rest } = changes;
    await this.#store.users.update(user.id, { ...rest, ...(passwordHash && { passwordHash }) }, this.#clock.now());
    if (passwordHash) await this.#sessions.destroyAllOf(user.id);
    return (await this.#store.users.byId(user.id)) ?? user;
  }

  async delete(handle: string): Promise<void> {
    const user = await this.#mustFind(handle);
    if (user.admin && (await this.#store.users.countAdmins()) <= 1) {
      throw new ApiError('conflict', 'This is the last admin and cannot be deleted');
    }
    await this.#store.users.delete(user.id);
    // The rows went with the account; this ends what its sessions still hold open.
    await this.#sessions.destroyAllOf(user.id);
  }

  list(): Promise<User[]> {
    return this.#store.users.list();
  }

  async #mustFind(handle: string): Promise<User> {
    const user = await this.#store.users.byHandle(handle);
    if (!user) throw new ApiError('not_found', `No user with handle "${handle}"`);
    return user;
  }
}
