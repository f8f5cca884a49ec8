import type { GenerationMode } from '../../../shared/api/generation.js';
import type { GroupStrategy } from '../../../shared/api/groups.js';

/** A member who can speak: in the library (missing members never speak). */
export interface SpeakerCandidate {
  id: string;
  name: string;
  muted: boolean;
  /** The card's `data.extensions.talkativeness` as stored (often a string such as "0.5"). */
  talkativeness: unknown;
}

/** What the choice reads of a message. */
export interface SpokenMessage {
  role: 'user' | 'assistant' | 'system';
  name: string;
  content: string;
  /** The member who wrote it (group replies); null for the user's and for replies from before the group. */
  speakerId: string | null;
  /** Hidden from the prompt (SillyTavern's is_system): never read as the last message. */
  hidden: boolean;
}

export interface NextSpeakersInput {
  strategy: GroupStrategy;
  /** In list order; muted ones included (they speak only when forced, or to redo their own reply). */
  members: readonly SpeakerCandidate[];
  /** The newest messages, oldest first (the choice reads back to the user's last message at most). */
  history: readonly SpokenMessage[];
  allowSelfResponses: boolean;
  mode: GenerationMode;
  /** True when auto-mode asks (no user input), false when the user does. */
  auto: boolean;
  /** A member the user made speak now. */
  forcedId?: string | null | undefined;
  /** A draw in [0, 1): Math.random in the server, scripted in tests. */
  random: () => number;
}

/** SillyTavern's default when a card says nothing (or nothing numeric) about talkativeness. */
export const DEFAULT_TALKATIVENESS = 0.5;

/**
 * Who replies, in order (each one after the other; the server generates one reply per request, so the first one
 * speaks now and the rest are the queue). Empty: nobody (manual order waiting for the user, or no member can).
 */
export function nextSpeakers(input: NextSpeakersInput): string[] {
  const { members, history, mode } = input;
  if (input.forcedId) return members.some((m) => m.id === input.forcedId) ? [input.forcedId] : [];
  const enabled = members.filter((m) => !m.muted);
  if (mode === 'regenerate' || mode === 'swipe' || mode === 'continue') return sameSpeaker(members, history, input.random);
  if (mode === 'impersonate') return enabled.length > 0 ? [pick(enabled, input.random).id] : [];
  const last = history.at(-1);
  // The user's new message is already stored as the last one when they ask for a reply.
  const userInput = !input.auto && last?.role === 'user';
  switch (input.strategy) {
    case 'natural':
      return naturalOrder(enabled, last, userInput, input.allowSelfResponses, input.random);
    case 'list':
      return enabled.map((m) => m.id);
    case 'pooled':
      return pooledOrder(enabled, history, userInput, input.random);
    case 'manual':
      return input.auto && enabled.length > 0 ? [shuffled(enabled, input.random)[0]!.id] : [];
  }
}

/** SillyTavern's words of a text: runs of ASCII letters, digits and "_", lower-cased. */
export function wordsOf(text: string): string[] {
  return Array.from(text.matchAll(/\b\w+\b/g), (m) => m[0].toLowerCase());
}

export function talkativenessOf(value: unknown): number {
  const n = Number(value);
  return Number.isNaN(n) ? DEFAULT_TALKATIVENESS : n;
}

const isMemberReply = (m: SpokenMessage | undefined) => m !== undefined && m.role !== 'user' && !m.hidden;

/**
 * Natural order: members named in the last message (in the order the names appear), then each member in a
 * shuffled order whose talkativeness beats a draw; if nobody, one at random among the talkative (or among all).
 * The member who wrote the last message is left out unless self-responses are allowed or the user just wrote.
 */
function naturalOrder(
  members: readonly SpeakerCandidate[],
  last: SpokenMessage | undefined,
  userInput: boolean,
  allowSelfResponses: boolean,
  random: () => number,
): string[] {
  const banned = !allowSelfResponses && !userInput && last && last.role !== 'user' ? last : null;
  const isBanned = (m: SpeakerCandidate) => banned !== null && (banned.speakerId ? banned.speakerId === m.id : banned.name === m.name);
  const activated: string[] = [];
  const text = last && !last.hidden ? last.content : '';
  for (const word of wordsOf(text)) {
    const named = members.find((m) => !isBanned(m) && wordsOf(m.name).includes(word));
    if (named) activated.push(named.id);
  }
  const chatty: SpeakerCandidate[] = [];
  for (const member of shuffled(members, random)) {
    if (isBanned(member)) continue;
    const talkativeness = talkativenessOf(member.talkativeness);
    if (talkativeness >= random()) activated.push(member.id);
    if (talkativeness > 0) chatty.push(member);
  }
  if (activated.length === 0) {
    const pool = chatty.length > 0 ? chatty : members;
    if (pool.length > 0) activated.push(pick(pool, random).id);
  }
  return [...new Set(activated)];
}

/**
 * Pooled order: one member at random among those who have not spoken since the user last wrote; when all have,
 * one at random among the others than the last speaker.
 */
function pooledOrder(members: readonly SpeakerCandidate[], history: readonly SpokenMessage[], userInput: boolean, random: () => number): string[] {
  if (members.length === 0) return [];
  const spoken = new Set<string>();
  if (!userInput) {
    for (let i = history.length - 1; i >= 0; i--) {
      const m = history[i]!;
      if (m.role === 'user') break;
      if (!m.hidden && m.speakerId) spoken.add(m.speakerId);
    }
  }
  const fresh = members.filter((m) => !spoken.has(m.id));
  if (fresh.length > 0) return [pick(fresh, random).id];
  const last = history.at(-1);
  const lastSpeaker = members.length > 1 && isMemberReply(last) ? last!.speakerId : null;
  const pool = lastSpeaker ? members.filter((m) => m.id !== lastSpeaker) : members;
  return [pick(pool, random).id];
}

/**
 * Regenerate, swipe, continue: the member who wrote the reply being redone (by its speaker, or by name for replies
 * from before the group), muted or not; when the chat ends with the user's message, the newest member reply's
 * speaker; with none, a member at random.
 */
function sameSpeaker(members: readonly SpeakerCandidate[], history: readonly SpokenMessage[], random: () => number): string[] {
  const known = (id: string | null) => (id && members.some((m) => m.id === id) ? id : null);
  const last = history.at(-1);
  if (!last) return [];
  if (!isMemberReply(last)) {
    const previous = history.findLast((m) => isMemberReply(m) && m.speakerId !== null);
    const id = known(previous?.speakerId ?? null);
    if (id) return [id];
    return members.length > 0 ? [shuffled(members, random)[0]!.id] : [];
  }
  const id = known(last.speakerId) ?? members.find((m) => m.name === last.name)?.id;
  return id ? [id] : [];
}

function pick<T>(list: readonly T[], random: () => number): T {
  return list[Math.floor(random() * list.length)]!;
}

/** Fisher-Yates from the end, one draw per position (as SillyTavern's shuffle), so scripted draws line up. */
function shuffled<T>(list: readonly T[], random: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
