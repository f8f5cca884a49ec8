import { promptManagerOf, type PromptManagerSettings } from '../../shared/api/prompt-manager.js';
import { promptSettingsOf, type PromptSettings } from '../../shared/api/prompt-settings.js';
import { regexSettingsOf, type RegexSettings } from '../../shared/api/regex-scripts.js';
import { formattingSettingsOf, type FormattingSettings } from '../../shared/api/text-formatting.js';
import { worldInfoSettingsOf, type WorldInfoSettings } from '../../shared/api/world-info-settings.js';
import type { SettingsRecord, SettingsStamp } from '../store/settings-repository.js';
import type { Store } from '../store/store.js';

/** A user's settings as a generation reads them: the stored values and each part parsed, defaults filled in. */
export interface GenerationSettings {
  readonly values: Readonly<Record<string, unknown>>;
  readonly prompt: PromptSettings;
  readonly promptManager: PromptManagerSettings;
  readonly formatting: FormattingSettings;
  readonly regex: RegexSettings;
  readonly worldInfo: WorldInfoSettings;
}

interface Cached {
  revision: number;
  updatedAt: number;
  settings: GenerationSettings;
}

/** Users whose parsed settings are kept, the least recently used going first: those generating now, while a
 *  server of many users holds some tens of megabytes at most (one user's settings run to a few hundred kilobytes). */
const MAX_USERS = 50;

/**
 * Parsed settings kept per user between generations: a SillyTavern user's settings (system prompts, prompt manager
 * presets, templates, regex scripts) run to a hundred kilobytes, and reading and parsing them cost a generation
 * about a millisecond. Every write moves the settings row's revision (services/settings.ts, prompt-presets.ts,
 * worlds.ts), so each use checks the row's revision and save time in the database, which is right for every node of
 * a PostgreSQL cluster, and reads the values again only when they moved; a request passes the stamp it read with its
 * session (request-auth.ts), which saves that read. The parsed settings are frozen: no generation can change what
 * the next one reads.
 */
export class SettingsCache {
  /** In use order, the most recent last (a Map keeps the order of insertion). */
  readonly #byUser = new Map<string, Cached>();
  #newest: string | undefined;

  async get(store: Store, userId: string, known?: SettingsStamp): Promise<GenerationSettings> {
    const stamp = known ?? (await store.settings.stamp(userId));
    const hit = this.#byUser.get(userId);
    if (hit && hit.revision === stamp.revision && hit.updatedAt === stamp.updatedAt) {
      // Already the most recent (one user saving message after message): moving it at every save would leave the
      // map's table a deleted slot each time, and rebuild it when full of them: garbage the save path need not make.
      if (this.#newest !== userId) this.#keep(userId, hit);
      return hit.settings;
    }
    const record = await store.settings.get(userId);
    const cached = { revision: record.revision, updatedAt: record.updatedAt, settings: parsed(record) };
    this.#keep(userId, cached);
    if (this.#byUser.size > MAX_USERS) this.#byUser.delete(this.#byUser.keys().next().value!);
    return cached.settings;
  }

  /** Keeps `cached` as the user's, most recently used. */
  #keep(userId: string, cached: Cached): void {
    this.#byUser.delete(userId);
    this.#byUser.set(userId, cached);
    this.#newest = userId;
  }
}

function parsed(record: SettingsRecord): GenerationSettings {
  const { values } = record;
  return deepFreeze({
    values,
    prompt: promptSettingsOf(values),
    promptManager: promptManagerOf(values),
    formatting: formattingSettingsOf(values),
    regex: regexSettingsOf(values),
    worldInfo: worldInfoSettingsOf(values),
  });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
