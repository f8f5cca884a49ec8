import type { WorldInfoSettings } from '../../../shared/api/world-info-settings.js';
import type { RegexTester, UserRegex } from '../../regex/time-limited-regex.js';
import type { CompiledBook, CompiledEntry, KeyRef } from './compiled-book.js';
import { isSingleWord } from './compiled-book.js';
import { filterByInclusionGroups, type GroupLoss } from './inclusion-groups.js';
import { parseKey } from './regex-key.js';
import { ScanBuffer } from './scan-buffer.js';
import { TimedEffects, type TimedState } from './timed-effects.js';
import type { InjectionRole, WorldEntry, WorldPosition } from './world-entry.js';

/** Where a book was activated from; chat and persona books come first, then the character's and the global ones. */
export type BookSource = 'chat' | 'persona' | 'character' | 'global';

export type EngineSettings = Pick<
  WorldInfoSettings,
  | 'scanDepth'
  | 'budgetPercent'
  | 'budgetCap'
  | 'recursive'
  | 'useGroupScoring'
  | 'characterStrategy'
  | 'minActivations'
  | 'minActivationsDepthMax'
  | 'maxRecursionSteps'
>;

export interface WorldInfoInput {
  books: readonly { source: BookSource; book: CompiledBook }[];
  settings: EngineSettings;
  /** The chat as scanned, newest first ("Name: text" when names are included). At most 1,000 are read. */
  messages: readonly string[];
  /** The chat's length for timed effects (SillyTavern counts the messages it sends, hidden ones not). */
  chatLength: number;
  /** Other prompt text that asks to be scanned (an Author's Note allowed to trigger entries). */
  injected?: readonly string[];
  /** Chat metadata `timedWorldInfo` as stored. */
  timedState: unknown;
  /** Tokens the prompt may hold (context size minus response length); the budget is a percentage of it. */
  promptBudget: number;
  /** The character, for entries limited to some characters or tags. */
  character: { names: readonly string[]; tags: readonly string[] };
  expand: (text: string) => string;
  count: (text: string) => number;
  random: () => number;
  regex: RegexTester;
}

export type ActivationReason = 'constant' | 'sticky' | 'decorator' | 'key';
export type DropReason = 'probability' | 'budget' | GroupLoss;

export interface ActivatedEntry {
  entry: WorldEntry;
  source: BookSource;
  /** The content with macros expanded, as it goes into the prompt. */
  content: string;
  tokens: number;
  reason: ActivationReason;
  /** The key that matched first (reason 'key'). */
  matchedKey?: string;
  /** 1 for the first scan; later steps are recursion or min-activations rescans. */
  step: number;
  stepKind: 'initial' | 'recursion' | 'min_activations';
}

export interface DroppedEntry {
  entry: WorldEntry;
  source: BookSource;
  why: DropReason;
  group?: string;
}

export interface KeyProblem {
  book: string;
  uid: string;
  key: string;
  problem: 'invalid_regex' | 'slow_regex';
  detail: string;
}

export interface DepthInjection {
  depth: number;
  role: InjectionRole;
  contents: string[];
}

/** What world info puts into the prompt, each list in prompt order. */
export interface WorldInfoPlacement {
  before: string[];
  after: string[];
  examplesTop: string[];
  examplesBottom: string[];
  authorsNoteTop: string[];
  authorsNoteBottom: string[];
  atDepth: DepthInjection[];
  outlets: Record<string, string[]>;
}

export interface WorldInfoActivation extends WorldInfoPlacement {
  /** In activation order. */
  activated: ActivatedEntry[];
  /** Entries whose keys matched but which did not go in, with why. */
  dropped: DroppedEntry[];
  problems: KeyProblem[];
  budget: { tokens: number; used: number; overflowed: boolean };
  /** Chat metadata `timedWorldInfo` after this generation. */
  timedState: TimedState;
  steps: number;
}

type ScanState = 'initial' | 'recursion' | 'min_activations';
/** Where a book's entries sort among all active books' (see placeBooks). */
interface BookPlace {
  source: BookSource;
  segment: number;
  ordinal: number;
}
interface Variant {
  depth: number;
  withRecursion: boolean;
}
const variantId = (v: Variant) => `${v.depth}:${v.withRecursion ? 1 : 0}`;
const regexId = (r: UserRegex) => `${r.flags}/${r.source}`;

/** What a key check needs in one scan step. */
interface StepContext {
  buffer: ScanBuffer;
  globalDepth: number;
  withRecursion: boolean;
  regexMatches: Map<string, boolean>;
  joined: Map<string, string>;
  expandKey: (raw: string) => string;
}

/**
 * SillyTavern's world-info evaluation for one generation: which entries of the active books fire, in which
 * order, within which budget, and where each goes. Pure but for `regex` (user patterns run with a time limit)
 * and the injected `random`, `count` and `expand`.
 *
 * Steps, as in SillyTavern's checkWorldInfo: every entry not yet activated is checked (disabled, character
 * filter, delay, cooldown, delay-until-recursion, exclude-recursion, decorators, constant, sticky, then primary
 * keys and, for selective entries, secondary keys by their logic); those found are ordered sticky first, then
 * by book order, put through inclusion groups, rolled for probability, and kept while the token budget holds.
 * Their content is then scanned for more (recursion) unless recursion is off, an entry prevents it, the budget
 * ran out or the step limit is reached; when fewer than min activations fired, the scan reaches one message
 * further back and goes again; delayed recursion levels open one by one at the end.
 *
 * Only entries that can fire are looked at: those a key of which the books' automata found in the buffer, and
 * the few the automata cannot speak for (constant, decorated, macro or regex keys without a plain substring,
 * sticky). Every other entry has only plain keys that are not in the buffer, so SillyTavern would skip it too.
 */
export async function activateWorldInfo(input: WorldInfoInput): Promise<WorldInfoActivation> {
  const { settings } = input;
  const places = placeBooks(input.books, settings.characterStrategy);
  const books = [...places.keys()];
  const byName = new Map(books.map((b) => [b.name, b]));
  const timed = new TimedEffects(input.timedState, input.chatLength, {
    get: (key) => {
      const dot = key.lastIndexOf('.');
      return dot < 0 ? undefined : byName.get(key.slice(0, dot))?.byUid.get(key.slice(dot + 1))?.entry;
    },
    delayed: books.flatMap((b) => b.delayed.map((c) => c.entry)),
  });
  const buffer = new ScanBuffer(input.messages, input.injected ?? []);
  for (const book of books) buffer.addBook(book);
  const deepestEntryScan = books.reduce((max, b) => Math.max(max, b.deepestEntryScan), 0);

  let budgetTokens = Math.round((settings.budgetPercent * input.promptBudget) / 100) || 1;
  if (settings.budgetCap > 0 && budgetTokens > settings.budgetCap) budgetTokens = settings.budgetCap;

  const activated: ActivatedEntry[] = [];
  const activatedSet = new Set<WorldEntry>();
  const failedProbability = new Set<WorldEntry>();
  const dropped: DroppedEntry[] = [];
  // An entry left out in one step may be found and left out again in the next; the first reason is the one shown.
  const droppedSet = new Set<WorldEntry>();
  const drop = (d: DroppedEntry) => {
    if (droppedSet.has(d.entry)) return;
    droppedSet.add(d.entry);
    dropped.push(d);
  };
  const problems = new Map<string, KeyProblem>();
  let used = 0;
  let overflowed = false;

  const delayLevels = [...new Set(books.flatMap((b) => b.delayLevels))].sort((a, b) => a - b);
  let delayLevel = delayLevels.shift() ?? 0;
  let skew = 0;
  let state: ScanState | null = 'initial';
  let steps = 0;
  const expandedKeys = new Map<string, string>();
  const expandKey = (raw: string) => {
    let expanded = expandedKeys.get(raw);
    if (expanded === undefined) {
      expanded = input.expand(raw).trim();
      expandedKeys.set(raw, expanded);
    }
    return expanded;
  };
  for (const book of books) {
    book.invalidKeys.forEach(({ uid, key, reason }, i) => {
      problems.set(`${book.name}.${uid}:${i}`, { book: book.name, uid, key, problem: 'invalid_regex', detail: reason });
    });
  }
  const rank = (a: CompiledEntry, b: CompiledEntry): number => {
    const pa = places.get(a.book) as BookPlace;
    const pb = places.get(b.book) as BookPlace;
    return pa.segment - pb.segment || b.entry.order - a.entry.order || pa.ordinal - pb.ordinal || a.index - b.index;
  };

  while (state) {
    if (settings.maxRecursionSteps > 0 && settings.maxRecursionSteps <= steps) break;
    steps++;
    const scanState: ScanState = state;
    const ctx: StepContext = {
      buffer,
      globalDepth: settings.scanDepth + skew,
      withRecursion: scanState !== 'min_activations',
      regexMatches: new Map(),
      joined: new Map(),
      expandKey,
    };
    buffer.ensureDepth(Math.max(ctx.globalDepth, deepestEntryScan));

    const candidates = new Set<CompiledEntry>();
    for (const book of books) {
      for (const wholeWord of [false, true]) {
        const kind = wholeWord ? 'word' : 'any';
        for (const p of buffer.found(book, false, wholeWord)) for (const c of book.lowerEntries[kind][p] ?? []) candidates.add(c);
        for (const p of buffer.found(book, true, wholeWord)) for (const c of book.exactEntries[kind][p] ?? []) candidates.add(c);
      }
      for (const c of book.alwaysChecked) candidates.add(c);
    }
    for (const key of timed.stickyKeys()) {
      const dot = key.lastIndexOf('.');
      const c = dot < 0 ? undefined : byName.get(key.slice(0, dot))?.byUid.get(key.slice(dot + 1));
      if (c) candidates.add(c);
    }
    const ordered = [...candidates].sort(rank);

    // Entries that activate without keys, and entries whose keys decide; both in book order.
    const found: { c: CompiledEntry; reason: ActivationReason | null }[] = [];
    for (const c of ordered) {
      const { entry } = c;
      if (activatedSet.has(entry) || failedProbability.has(entry) || entry.disabled) continue;
      if (entry.characterFilter && filteredOut(entry.characterFilter, input.character)) continue;
      const sticky = timed.isActive('sticky', entry);
      if (timed.isActive('delay', entry)) continue;
      if (timed.isActive('cooldown', entry) && !sticky) continue;
      if (!sticky && entry.delayUntilRecursion > 0 && (scanState !== 'recursion' || entry.delayUntilRecursion > delayLevel)) continue;
      if (!sticky && scanState === 'recursion' && settings.recursive && entry.excludeRecursion) continue;
      if (entry.decorators.includes('@@activate')) found.push({ c, reason: 'decorator' });
      else if (entry.decorators.includes('@@dont_activate')) continue;
      else if (entry.constant) found.push({ c, reason: 'constant' });
      else if (sticky) found.push({ c, reason: 'sticky' });
      else if (entry.keys.length > 0) found.push({ c, reason: null });
    }

    // Regex keys (and macro keys that expand to one) that may match, run in one batch per buffer text.
    const scoring = (entry: WorldEntry) => entry.groups.length > 0 && (settings.useGroupScoring || entry.useGroupScoring === true);
    const wanted = new Map<string, { variant: Variant; regexes: Map<string, UserRegex> }>();
    for (const { c, reason } of found) {
      if (reason !== null && !scoring(c.entry)) continue;
      const variant = variantOf(c.entry, ctx);
      for (const ref of [...c.primary, ...c.secondary]) {
        const regex = regexOf(ref, c.book, expandKey);
        if (!regex) continue;
        if (ref.kind === 'regex' && ref.literal && !buffer.hasPlain(c.book, ref.literal.caseSensitive, ref.literal.pattern, false, variant.depth, variant.withRecursion)) continue;
        const id = variantId(variant);
        let slot = wanted.get(id);
        if (!slot) {
          slot = { variant, regexes: new Map() };
          wanted.set(id, slot);
        }
        slot.regexes.set(regexId(regex), regex);
      }
    }
    if (wanted.size > 0) {
      const slots = [...wanted.entries()].map(([id, slot]) => ({ id, variant: slot.variant, regexes: [...slot.regexes.values()] }));
      const results = await input.regex.test(slots.map((s) => ({ text: joinedText(ctx, s.variant), regexes: s.regexes })));
      slots.forEach((slot, i) => slot.regexes.forEach((r, k) => ctx.regexMatches.set(`${slot.id}|${regexId(r)}`, results.matches[i]?.[k] === true)));
      const slow = new Set(results.slow.map(regexId));
      if (slow.size > 0) {
        for (const { c } of found) {
          for (const ref of [...c.primary, ...c.secondary]) {
            const regex = regexOf(ref, c.book, expandKey);
            if (regex && slow.has(regexId(regex))) {
              problems.set(`${c.entry.key}:slow:${regexId(regex)}`, {
                book: c.book.name,
                uid: c.entry.uid,
                key: `/${regex.source}/${regex.flags}`,
                problem: 'slow_regex',
                detail: 'took too long and counts as not matching',
              });
            }
          }
        }
      }
    }

    const activatedNow: { c: CompiledEntry; reason: ActivationReason; matchedKey?: string }[] = [];
    for (const { c, reason } of found) {
      if (reason !== null) {
        activatedNow.push({ c, reason });
        continue;
      }
      const { entry } = c;
      const hit = c.primary.findIndex((ref) => keyMatches(c, ref, ctx));
      if (hit < 0) continue;
      const matchedKey = entry.keys[hit] as string;
      if (!entry.selective || c.secondary.length === 0) {
        activatedNow.push({ c, reason: 'key', matchedKey });
        continue;
      }
      let any = false;
      let all = true;
      for (const ref of c.secondary) {
        if (keyMatches(c, ref, ctx)) any = true;
        else all = false;
      }
      const pass =
        entry.selectiveLogic === 'and_any' ? any : entry.selectiveLogic === 'not_all' ? !all : entry.selectiveLogic === 'not_any' ? !any : all;
      if (pass) activatedNow.push({ c, reason: 'key', matchedKey });
    }

    // Sticky first, then book order (a stable sort keeps the rest as found).
    activatedNow.sort((a, b) => Number(timed.isActive('sticky', b.c.entry)) - Number(timed.isActive('sticky', a.c.entry)));
    const byEntry = new Map(activatedNow.map((a) => [a.c.entry, a]));
    const score = (entry: WorldEntry): number => {
      const a = byEntry.get(entry);
      if (!a || entry.keys.length === 0) return 0;
      const primary = a.c.primary.filter((ref) => keyMatches(a.c, ref, ctx)).length;
      const secondary = a.c.secondary.filter((ref) => keyMatches(a.c, ref, ctx)).length;
      if (a.c.secondary.length === 0) return primary;
      if (entry.selectiveLogic === 'and_any') return primary + secondary;
      if (entry.selectiveLogic === 'and_all') return secondary === a.c.secondary.length ? primary + secondary : primary;
      return primary;
    };
    const kept = filterByInclusionGroups(
      activatedNow.map((a) => a.c.entry),
      activatedSet,
      {
        isSticky: (e) => timed.isActive('sticky', e),
        isCooldown: (e) => timed.isActive('cooldown', e),
        isDelayed: (e) => timed.isActive('delay', e),
        score,
        useGroupScoring: settings.useGroupScoring,
        random: input.random,
      },
      (entry, why, group) => drop({ entry, source: sourceOf(byEntry.get(entry)), why, group }),
    );

    const successful: ActivatedEntry[] = [];
    for (const entry of kept) {
      const a = byEntry.get(entry) as (typeof activatedNow)[number];
      const source = sourceOf(a);
      const sticky = timed.isActive('sticky', entry);
      if (entry.useProbability && entry.probability !== 100 && !sticky && !(input.random() * 100 <= entry.probability)) {
        failedProbability.add(entry);
        drop({ entry, source, why: 'probability' });
        continue;
      }
      const content = input.expand(entry.content);
      const tokens = input.count(`${content}\n`);
      if (used + tokens >= budgetTokens) {
        overflowed = true;
        drop({ entry, source, why: 'budget' });
        break;
      }
      used += tokens;
      const record: ActivatedEntry = {
        entry,
        source,
        content,
        tokens,
        reason: a.reason,
        ...(a.matchedKey !== undefined ? { matchedKey: a.matchedKey } : {}),
        step: steps,
        stepKind: scanState,
      };
      activated.push(record);
      activatedSet.add(entry);
      successful.push(record);
    }
    const forRecursion = successful.filter((a) => !a.entry.preventRecursion);

    let next: ScanState | null = null;
    if (settings.recursive && !overflowed && forRecursion.length > 0) next = 'recursion';
    if (settings.recursive && !overflowed && scanState === 'min_activations' && buffer.hasRecursed) next = 'recursion';
    if (!next && !overflowed && settings.minActivations > 0 && activatedSet.size < settings.minActivations) {
      const depth = settings.scanDepth + skew;
      const beyond = (settings.minActivationsDepthMax > 0 && depth > settings.minActivationsDepthMax) || depth > buffer.messages.length;
      if (!beyond) {
        next = 'min_activations';
        skew++;
      }
    }
    if (!next && !overflowed && delayLevels.length > 0) {
      next = 'recursion';
      delayLevel = delayLevels.shift() as number;
    }
    state = next;
    if (state) buffer.addRecursion(forRecursion.map((a) => a.content).join('\n'));
  }

  timed.start(activated.map((a) => a.entry));
  return {
    ...placeEntries(activated),
    activated,
    dropped,
    problems: [...problems.values()],
    budget: { tokens: budgetTokens, used, overflowed },
    timedState: timed.state,
    steps,
  };

  function sourceOf(a: { c: CompiledEntry } | undefined): BookSource {
    return a ? (places.get(a.c.book) as BookPlace).source : 'global';
  }
}

function variantOf(entry: WorldEntry, ctx: StepContext): Variant {
  return { depth: entry.scanDepth ?? ctx.globalDepth, withRecursion: ctx.withRecursion };
}

function joinedText(ctx: StepContext, variant: Variant): string {
  const id = variantId(variant);
  let text = ctx.joined.get(id);
  if (text === undefined) {
    text = ctx.buffer.joined(variant.depth, variant.withRecursion);
    ctx.joined.set(id, text);
  }
  return text;
}

function keyMatches(c: CompiledEntry, ref: KeyRef, ctx: StepContext): boolean {
  // The common case first, without building a variant.
  if (ref.kind === 'plain') return ctx.buffer.hasPlain(c.book, ref.caseSensitive, ref.pattern, ref.wholeWord, c.entry.scanDepth ?? ctx.globalDepth, ctx.withRecursion);
  const variant = variantOf(c.entry, ctx);
  switch (ref.kind) {
    case 'direct':
      return variant.depth > 0 && containsKey(joinedText(ctx, variant), ref.key, ref.caseSensitive, ref.wholeWord);
    case 'regex': {
      const regex = c.book.regexes[ref.regex];
      return regex !== undefined && ctx.regexMatches.get(`${variantId(variant)}|${regexId(regex)}`) === true;
    }
    case 'macro': {
      const key = ctx.expandKey(ref.raw);
      if (!key || variant.depth <= 0) return false;
      const parsed = parseKey(key);
      if (parsed.kind === 'regex') return ctx.regexMatches.get(`${variantId(variant)}|${regexId(parsed.regex)}`) === true;
      if (parsed.kind === 'invalid') return false;
      const transformed = ref.caseSensitive ? key : key.toLowerCase();
      return containsKey(joinedText(ctx, variant), transformed, ref.caseSensitive, ref.wholeWords && isSingleWord(transformed));
    }
    case 'invalid':
      return false;
  }
}

function regexOf(ref: KeyRef, book: CompiledBook, expandKey: (raw: string) => string): UserRegex | null {
  if (ref.kind === 'regex') return book.regexes[ref.regex] ?? null;
  if (ref.kind !== 'macro') return null;
  const key = expandKey(ref.raw);
  const parsed = key ? parseKey(key) : null;
  return parsed?.kind === 'regex' ? parsed.regex : null;
}

const isWordCode = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** SillyTavern's plain-key test on a joined buffer: `includes`, or for a single word, ASCII word boundaries. */
function containsKey(haystack: string, key: string, caseSensitive: boolean, wholeWord: boolean): boolean {
  const text = caseSensitive ? haystack : haystack.toLowerCase();
  if (!key) return false;
  if (!wholeWord) return text.includes(key);
  for (let at = text.indexOf(key); at >= 0; at = text.indexOf(key, at + 1)) {
    const before = at > 0 ? text.charCodeAt(at - 1) : -1;
    const after = at + key.length < text.length ? text.charCodeAt(at + key.length) : -1;
    if (!isWordCode(before) && !isWordCode(after)) return true;
  }
  return false;
}

function filteredOut(filter: NonNullable<WorldEntry['characterFilter']>, character: WorldInfoInput['character']): boolean {
  if (filter.names.length > 0) {
    const included = filter.names.some((n) => character.names.includes(n));
    if (filter.isExclude ? included : !included) return true;
  }
  if (filter.tags.length > 0) {
    const included = filter.tags.some((t) => character.tags.includes(t));
    if (filter.isExclude ? included : !included) return true;
  }
  return false;
}

/**
 * Where each active book's entries sort, as SillyTavern orders them: chat books, then persona books, then the
 * character's and the global books as the strategy says (evenly: merged by order; character first; global
 * first), each segment merged by order, highest first, ties in book order. A book named by several sources is
 * read once: global first (SillyTavern skips a chat, persona or character book that is also global), then chat,
 * persona, character.
 */
export function placeBooks(books: WorldInfoInput['books'], strategy: EngineSettings['characterStrategy']): Map<CompiledBook, BookPlace> {
  const seen = new Set<string>();
  const claimed: { source: BookSource; book: CompiledBook }[] = [];
  for (const source of ['global', 'chat', 'persona', 'character'] as const) {
    for (const b of books) {
      if (b.source !== source || seen.has(b.book.name)) continue;
      seen.add(b.book.name);
      claimed.push(b);
    }
  }
  const segmentOf = (source: BookSource): number => {
    if (source === 'chat') return 0;
    if (source === 'persona') return 1;
    if (strategy === 'evenly') return 2;
    return (source === 'character') === (strategy === 'character_first') ? 2 : 3;
  };
  // Under "evenly", global books come before the character's among equal orders.
  const sourceRank: Record<BookSource, number> = { chat: 0, persona: 0, global: 0, character: 1 };
  const ordered = [...claimed].sort((a, b) => sourceRank[a.source] - sourceRank[b.source]);
  return new Map(ordered.map((b, ordinal) => [b.book, { source: b.source, segment: segmentOf(b.source), ordinal }]));
}

/**
 * Lays activated entries out as SillyTavern does: by order, lowest first (so the highest order sits nearest the
 * end of its place; "before examples" is the exception, highest first); among equal orders the later-activated
 * first. @depth entries are grouped by depth and role;
 * outlet entries by outlet name. Entries whose content is empty go nowhere.
 */
export function placeEntries(activated: readonly ActivatedEntry[]): WorldInfoPlacement {
  const placement: WorldInfoPlacement = {
    before: [],
    after: [],
    examplesTop: [],
    examplesBottom: [],
    authorsNoteTop: [],
    authorsNoteBottom: [],
    atDepth: [],
    outlets: {},
  };
  const descending = [...activated].sort((a, b) => b.entry.order - a.entry.order);
  const lists: Record<Exclude<WorldPosition, 'at_depth' | 'outlet' | 'examples_top'>, string[]> = {
    before: placement.before,
    after: placement.after,
    examples_bottom: placement.examplesBottom,
    an_top: placement.authorsNoteTop,
    an_bottom: placement.authorsNoteBottom,
  };
  for (const { entry, content } of descending) {
    if (!content) continue;
    if (entry.position === 'at_depth') {
      let slot = placement.atDepth.find((d) => d.depth === entry.depth && d.role === entry.role);
      if (!slot) {
        slot = { depth: entry.depth, role: entry.role, contents: [] };
        placement.atDepth.push(slot);
      }
      slot.contents.unshift(content);
    } else if (entry.position === 'outlet') {
      if (!entry.outletName) continue;
      (placement.outlets[entry.outletName] ??= []).unshift(content);
    } else if (entry.position === 'examples_top') {
      // SillyTavern puts each of these in front of the examples in turn, so the highest order ends up first.
      placement.examplesTop.push(content);
    } else {
      lists[entry.position].unshift(content);
    }
  }
  return placement;
}
