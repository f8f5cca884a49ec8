import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { ChangeFeed } from './events/change-feed.js';
import type { LocalModels } from './generation/local-models.js';
import type { Accounts } from './security/accounts.js';
import type { BackendAllowlist } from './security/backend-allowlist.js';
import type { GenerationManager } from './services/generation-manager.js';
import type { SessionManager } from './security/session-manager.js';
import type { WorldInfoBooks } from './services/world-info-books.js';
import type { SettingsCache } from './services/settings-cache.js';
import type { Store } from './store/store.js';
import type { TimeLimitedRegex } from './regex/time-limited-regex.js';

/** What routes and services share for one running server. Built once by buildApp. */
export interface AppContext {
  readonly config: Config;
  readonly store: Store;
  readonly clock: Clock;
  readonly sessions: SessionManager;
  readonly accounts: Accounts;
  readonly changes: ChangeFeed;
  readonly localModels: LocalModels;
  /** The backend addresses connection profiles may use (config `backendAllowlist`). */
  readonly backendAllowlist: BackendAllowlist;
  /** The generations this node runs; streams attach to them. */
  readonly generations: GenerationManager;
  /** Compiled world-info books and the time-limited runner of their regex keys. */
  readonly worldInfo: WorldInfoBooks;
  /** The time-limited runner of users' patterns (the same one world info uses): regex scripts run through it. */
  readonly regex: TimeLimitedRegex;
  /** Each user's parsed settings, read again only when they changed: generations and the save path read them. */
  readonly settings: SettingsCache;
}
