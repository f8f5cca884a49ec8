import { isJsonObject } from '../../formats/is-json-object.js';
import type { WorldEntry } from './world-entry.js';

/** One running effect, as SillyTavern keeps it in chat metadata under `timedWorldInfo.<type>["<book>.<uid>"]`. */
export interface TimedEffect {
  hash: number;
  /** The chat's length when it started, and when it ends. */
  start: number;
  end: number;
  /** Set by a cooldown that follows a sticky: kept even when the chat has not grown past its start. */
  protected: boolean;
}

export interface TimedState {
  sticky: Record<string, TimedEffect>;
  cooldown: Record<string, TimedEffect>;
}

/** The chat metadata key SillyTavern keeps timed effects under. */
export const TIMED_STATE_KEY = 'timedWorldInfo';

const effectOf = (value: unknown): TimedEffect | null => {
  if (!isJsonObject(value)) return null;
  const start = Number(value.start);
  const end = Number(value.end);
  if (!Number.isFinite(start) || !Number.isFinite(end)) return null;
  return { hash: Number(value.hash) || 0, start, end, protected: value.protected === true };
};

function readState(value: unknown): TimedState {
  const state: TimedState = { sticky: {}, cooldown: {} };
  if (!isJsonObject(value)) return state;
  for (const type of ['sticky', 'cooldown'] as const) {
    const effects = value[type];
    if (!isJsonObject(effects)) continue;
    for (const [key, raw] of Object.entries(effects)) {
      const effect = effectOf(raw);
      if (effect) state[type][key] = effect;
    }
  }
  return state;
}

/** The active books' entries by key (`<book>.<uid>`), and those with a delay. */
export interface EntryLookup {
  get(key: string): WorldEntry | undefined;
  delayed: readonly WorldEntry[];
}

/**
 * Sticky, cooldown and delay, with SillyTavern's rules. The chat's length (its messages, newest reply excluded
 * when it is being regenerated) is the clock:
 * - sticky n: once activated, the entry stays active for n more messages of chat, keys or not;
 * - cooldown n: once activated, it cannot activate again for n messages (a sticky entry ignores its own cooldown;
 *   when a sticky ends, the cooldown starts then);
 * - delay n: it cannot activate while the chat has fewer than n messages.
 * An effect started at a length the chat has not grown past (a regenerated or swiped reply) is dropped, so a
 * regeneration sees what the first attempt saw. State lives in chat metadata, so every chat (and every branch,
 * which copies it) has its own.
 */
export class TimedEffects {
  readonly #state: TimedState;
  readonly #length: number;
  readonly #active = { sticky: new Set<string>(), cooldown: new Set<string>(), delay: new Set<string>() };

  constructor(stored: unknown, chatLength: number, entries: EntryLookup) {
    this.#state = readState(stored);
    this.#length = chatLength;
    this.#check('sticky', entries);
    this.#check('cooldown', entries);
    for (const entry of entries.delayed) if (chatLength < entry.delay) this.#active.delay.add(entry.key);
  }

  /** Entries whose sticky is running: they fire whatever the buffer holds. */
  stickyKeys(): Iterable<string> {
    return this.#active.sticky;
  }

  isActive(type: 'sticky' | 'cooldown' | 'delay', entry: WorldEntry): boolean {
    return this.#active[type].has(entry.key);
  }

  /** Starts sticky and cooldown for the entries this generation activated (an effect already running is kept). */
  start(activated: Iterable<WorldEntry>): void {
    for (const entry of activated) {
      for (const type of ['sticky', 'cooldown'] as const) {
        if (entry[type] > 0 && !this.#state[type][entry.key]) this.#state[type][entry.key] = this.#effect(type, entry, false);
      }
    }
  }

  /** The state to store in chat metadata after the generation. */
  get state(): TimedState {
    return this.#state;
  }

  #effect(type: 'sticky' | 'cooldown', entry: WorldEntry, isProtected: boolean): TimedEffect {
    return { hash: 0, start: this.#length, end: this.#length + entry[type], protected: isProtected };
  }

  #check(type: 'sticky' | 'cooldown', entries: EntryLookup): void {
    const effects = this.#state[type];
    for (const [key, effect] of Object.entries(effects)) {
      const entry = entries.get(key);
      if (this.#length <= effect.start && !effect.protected) {
        delete effects[key];
        continue;
      }
      // An entry not in today's books (another character's, a book switched off) keeps its effect until it ends.
      if (!entry) {
        if (this.#length >= effect.end) delete effects[key];
        continue;
      }
      if (entry[type] <= 0) {
        delete effects[key];
        continue;
      }
      if (this.#length >= effect.end) {
        delete effects[key];
        if (type === 'sticky' && entry.cooldown > 0) {
          this.#state.cooldown[key] = this.#effect('cooldown', entry, true);
          this.#active.cooldown.add(key);
        }
        continue;
      }
      this.#active[type].add(key);
    }
  }
}
