import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { SessionRecord, SessionsRepository } from '../store/sessions-repository.js';
import type { SettingsStamp } from '../store/settings-repository.js';
import type { User } from '../store/users-repository.js';

const DAY_MS = 86_400_000;
/** Browsers keep a cookie at most 400 days; a longer Max-Age is cut to this. */
export const MAX_COOKIE_AGE_S = 400 * 86_400;
/** sessionTimeout 0 ends with the browser; the server still forgets such a session after this much idle. */
const BROWSER_SESSION_IDLE_MS = 400 * DAY_MS;
/** Expired rows are kept this long so that a replayed cookie is told "expired", not "unknown". */
const EXPIRED_RETENTION_MS = 30 * DAY_MS;

export type SessionLookup =
  | { status: 'valid'; session: SessionRecord; slid: boolean; user: User | undefined; settingsStamp: SettingsStamp }
  | { status: 'expired'; session: SessionRecord }
  | { status: 'unknown' };

export interface IssuedSession {
  token: string;
  session: SessionRecord;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export const newToken = () => randomBytes(32).toString('base64url');

/**
 * Server-side sessions with a sliding idle lifetime (`sessionTimeout` seconds; -1 never expires;
 * 0 lasts as long as the browser). The server enforces expiry: the cookie's lifetime is only a hint.
 */
export class SessionManager {
  readonly #sessions: SessionsRepository;
  readonly #clock: Clock;
  readonly #timeoutS: number;
  #ended: (userId: string) => void = () => {};

  constructor(sessions: SessionsRepository, clock: Clock, timeoutSeconds: number) {
    this.#sessions = sessions;
    this.#clock = clock;
    this.#timeoutS = timeoutSeconds;
  }

  /** The cookie's Max-Age in seconds, or undefined for a browser-session cookie. */
  get cookieMaxAge(): number | undefined {
    if (this.#timeoutS === 0) return undefined;
    if (this.#timeoutS === -1) return MAX_COOKIE_AGE_S;
    return Math.min(this.#timeoutS, MAX_COOKIE_AGE_S);
  }

  #expiresAt(lastSeen: number): number | null {
    if (this.#timeoutS === -1) return null;
    if (this.#timeoutS === 0) return lastSeen + BROWSER_SESSION_IDLE_MS;
    return lastSeen + this.#timeoutS * 1000;
  }

  /**
   * Sliding costs a write, so it happens once a slice of the lifetime has passed (at most a minute),
   * which keeps the expiry within that slice of exact while most requests only read.
   */
  #slideDue(session: SessionRecord, now: number): boolean {
    const lifetimeMs = this.#timeoutS > 0 ? this.#timeoutS * 1000 : BROWSER_SESSION_IDLE_MS;
    return now - session.lastSeenAt >= Math.min(60_000, lifetimeMs / 10);
  }

  async create(userId: string): Promise<IssuedSession> {
    const now = this.#clock.now();
    const token = newToken();
    const session: SessionRecord = {
      idHash: hashToken(token),
      userId,
      csrfToken: newToken(),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: this.#expiresAt(now),
    };
    await this.#sessions.insert(session);
    return { token, session };
  }

  /** Finds the session of a cookie, with its user (one read), and slides its expiry when it is valid. */
  async resolve(token: string): Promise<SessionLookup> {
    const found = await this.#sessions.withUser(hashToken(token));
    if (!found) return { status: 'unknown' };
    const { session, user, settingsStamp } = found;
    const now = this.#clock.now();
    if (session.expiresAt !== null && session.expiresAt <= now) return { status: 'expired', session };
    if (!this.#slideDue(session, now)) return { status: 'valid', session, slid: false, user, settingsStamp };
    const slid = { ...session, lastSeenAt: now, expiresAt: this.#expiresAt(now) };
    await this.#sessions.touch(session.idHash, slid.lastSeenAt, slid.expiresAt);
    return { status: 'valid', session: slid, slid: true, user, settingsStamp };
  }

  async destroy(session: Pick<SessionRecord, 'idHash' | 'userId'>): Promise<void> {
    await this.#sessions.delete(session.idHash);
    this.#ended(session.userId);
  }

  async destroyAllOf(userId: string, exceptIdHash?: string): Promise<number> {
    const count = await this.#sessions.deleteForUser(userId, exceptIdHash);
    this.#ended(userId);
    return count;
  }

  /**
   * Told the account whose sessions were destroyed (sign-out, a password change, the account deleted): what a session
   * holds open (its event stream) was authorized once, as it opened, and must not outlive it, on any node.
   */
  onEnded(listener: (userId: string) => void): void {
    this.#ended = listener;
  }

  /**
   * When the session expires as it stands now (null: never), or false when it no longer stands (destroyed, expired,
   * its account gone); slides nothing.
   */
  async liveUntil(idHash: string): Promise<number | null | false> {
    const found = await this.#sessions.withUser(idHash);
    if (found?.user === undefined) return false;
    const { expiresAt } = found.session;
    return expiresAt === null || expiresAt > this.#clock.now() ? expiresAt : false;
  }

  async purgeExpired(): Promise<number> {
    return this.#sessions.purgeExpired(this.#clock.now() - EXPIRED_RETENTION_MS);
  }

  ageSeconds(session: SessionRecord): number {
    return Math.round((this.#clock.now() - session.createdAt) / 1000);
  }
}
