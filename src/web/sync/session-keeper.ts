import { z } from 'zod';
import { PublicUser, type LoginRequest, type SessionInfo } from '../../shared/api/session.js';
import type { ErrorCode } from '../../shared/errors.js';
import type { AuthGate } from '../api/auth-gate.js';
import { NetworkError, SignInRequiredError } from '../api/request-error.js';
import type { SessionApi } from '../api/session-api.js';
import { backoffDelay } from './backoff-delay.js';
import type { TabChannel } from './tab-channel.js';

/**
 * - starting: the first GET /api/session has not answered
 * - signed-in: requests carry a session and its CSRF token
 * - signed-out: accounts are on and nobody has signed in in this browser (the sign-in page)
 * - sign-in-needed: a session ended under an open page (the sign-in dialog, over the page, nothing lost)
 */
export type SessionPhase = 'starting' | 'signed-in' | 'signed-out' | 'sign-in-needed';

export interface SessionSnapshot {
  phase: SessionPhase;
  accounts: boolean;
  user: PublicUser | null;
  /** The last account signed in here: outbox entries it made stay its own across an ended session. */
  owner: string | null;
  /** Whether the server lets messages and cards show images from other sites (config allowRemoteImages). */
  remoteImages: boolean;
}

/** Where the account last signed in here is remembered (localStorage): only its public name, never a secret. */
export type SessionMemory = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
const MEMORY_KEY = 'parley.session';
const Remembered = z.object({ accounts: z.boolean(), user: PublicUser, remoteImages: z.boolean().default(false) });

function readRemembered(memory: SessionMemory | null): z.infer<typeof Remembered> | null {
  try {
    const parsed = Remembered.safeParse(JSON.parse(memory?.getItem(MEMORY_KEY) ?? 'null'));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Keeps the session and its CSRF token fresh, and turns every refusal into the one recovery that fits it. */
export class SessionKeeper implements AuthGate {
  readonly #api: SessionApi;
  readonly #channel: TabChannel;
  readonly #listeners = new Set<() => void>();
  #snapshot: SessionSnapshot = { phase: 'starting', accounts: false, user: null, owner: null, remoteImages: false };
  #token: string | null = null;
  #renewal: Promise<void> | null = null;
  #signedIn: { promise: Promise<void>; resolve: () => void } | null = null;
  readonly #unsubscribe: () => void;
  readonly #memory: SessionMemory | null;

  /** `memory` (localStorage) remembers who was signed in, so the app can open offline as that account. */
  constructor(api: SessionApi, channel: TabChannel, memory: SessionMemory | null = null) {
    this.#api = api;
    this.#channel = channel;
    this.#memory = memory;
    // Another tab signed in (the cookie is shared): take the new session's token. Or it found the session ended.
    this.#unsubscribe = channel.subscribe((message) => {
      if (message.type !== 'session') return;
      if (message.phase === 'signed-in' && this.#snapshot.phase !== 'signed-in') void this.renewToken().catch(() => {});
      if (message.phase === 'sign-in-needed' && this.#snapshot.phase === 'signed-in') this.#needSignIn();
      if (message.phase === 'signed-out') this.#adopt({ user: null, csrfToken: null, accounts: true, expiresAt: null, remoteImages: this.#snapshot.remoteImages });
    });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getSnapshot = (): SessionSnapshot => this.#snapshot;

  /**
   * The first GET /api/session, retried while the server is unreachable (the page is open, so it will return).
   * Unreachable at once (an app opened offline from its kept shell), the account last signed in here is taken for
   * now: the pages open and writes wait in the outbox under it. Requests then carry no token, so the first one that
   * reaches the server renews it, and the server's answer replaces the remembered account (or asks to sign in).
   */
  async start(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.renewToken();
      } catch (error) {
        if (!(error instanceof NetworkError)) throw error;
        if (attempt === 1) this.#openAsRemembered();
        await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt)));
      }
    }
  }

  #openAsRemembered(): void {
    if (this.#snapshot.phase !== 'starting') return;
    const remembered = readRemembered(this.#memory);
    if (remembered) this.#setSnapshot({ phase: 'signed-in', ...remembered, owner: remembered.user.handle });
  }

  csrfToken(): string | null {
    return this.#token;
  }

  /** GET /api/session: in single-user mode it also makes a new session when the old one is gone. */
  renewToken(): Promise<void> {
    this.#renewal ??= this.#api
      .current()
      .then((info) => this.#adopt(info))
      .finally(() => {
        this.#renewal = null;
      });
    return this.#renewal;
  }

  async reauthenticate(_code: ErrorCode | null, wait: boolean): Promise<void> {
    if (!this.#snapshot.accounts) return this.renewToken();
    // A session may have been restored by another tab a moment ago: ask before bothering the user.
    await this.renewToken();
    if (this.#snapshot.phase === 'signed-in') return;
    if (!wait) throw new SignInRequiredError();
    return this.whenSignedIn();
  }

  /** Resolves once a session is back (sign-in here, or in another tab). */
  whenSignedIn(): Promise<void> {
    if (this.#snapshot.phase === 'signed-in') return Promise.resolve();
    if (!this.#signedIn) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => {
        resolve = done;
      });
      this.#signedIn = { promise, resolve };
    }
    return this.#signedIn.promise;
  }

  async signIn(request: LoginRequest): Promise<void> {
    const answer = await this.#api.login(request);
    this.#token = answer.csrfToken;
    const remoteImages = this.#snapshot.remoteImages;
    this.#memory?.setItem(MEMORY_KEY, JSON.stringify({ accounts: true, user: answer.user, remoteImages }));
    this.#setSnapshot({ phase: 'signed-in', accounts: true, user: answer.user, owner: answer.user.handle, remoteImages });
    this.#channel.post({ type: 'session', phase: 'signed-in' });
  }

  async signOut(): Promise<void> {
    await this.#api.logout(this.#token);
    this.#adopt({ user: null, csrfToken: null, accounts: true, expiresAt: null, remoteImages: this.#snapshot.remoteImages }, true);
    this.#channel.post({ type: 'session', phase: 'signed-out' });
  }

  close(): void {
    this.#unsubscribe();
  }

  #adopt(info: SessionInfo, signedOut = false): void {
    this.#token = info.csrfToken;
    if (info.user) {
      this.#memory?.setItem(MEMORY_KEY, JSON.stringify({ accounts: info.accounts, user: info.user, remoteImages: info.remoteImages }));
    }
    else this.#memory?.removeItem(MEMORY_KEY);
    if (info.user) {
      this.#setSnapshot({ phase: 'signed-in', accounts: info.accounts, user: info.user, owner: info.user.handle, remoteImages: info.remoteImages });
      return;
    }
    const ended = !signedOut && (this.#snapshot.phase === 'signed-in' || this.#snapshot.phase === 'sign-in-needed');
    if (ended) this.#needSignIn();
    else this.#setSnapshot({ phase: 'signed-out', accounts: info.accounts, user: null, owner: this.#snapshot.owner, remoteImages: info.remoteImages });
  }

  #needSignIn(): void {
    if (this.#snapshot.phase === 'sign-in-needed') return;
    this.#setSnapshot({ ...this.#snapshot, phase: 'sign-in-needed', user: null });
    this.#channel.post({ type: 'session', phase: 'sign-in-needed' });
  }

  #setSnapshot(next: SessionSnapshot): void {
    this.#snapshot = next;
    if (next.phase === 'signed-in' && this.#signedIn) {
      this.#signedIn.resolve();
      this.#signedIn = null;
    }
    for (const listener of this.#listeners) listener();
  }
}
