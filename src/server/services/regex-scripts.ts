import type { ChatOp, Message } from '../../shared/api/chats.js';
import { cardRegexScripts, REGEX_PLACEMENT, regexSettingsOf, type RegexScript, type RegexSettings } from '../../shared/api/regex-scripts.js';
import type { MacroContext } from '../../shared/macros.js';
import { choosePersona } from '../../shared/persona-choice.js';
import { placementOfMessage, runRegexScripts, type RegexTarget } from '../regex/regex-scripts.js';
import type { RegexReplacer } from '../regex/time-limited-regex.js';
import type { CharacterRecord } from '../store/characters-repository.js';
import type { PersonaRecord } from '../store/personas-repository.js';
import type { ChatRecord } from '../store/chats-repository.js';
import type { Store } from '../store/store.js';
import type { WorldInfoPlacement } from '../generation/world-info/activate-world-info.js';

/** The scripts that run in a chat and the macros they expand. */
export interface ChatRegex {
  scripts: RegexScript[];
  macros: MacroContext;
  replacer: RegexReplacer;
}

/**
 * The scripts of a chat, in SillyTavern's order: the user's global scripts, then the card's own when the user
 * allowed that character's scripts (a card's scripts never run unasked: an imported card may carry any pattern).
 */
export function scriptsFor(settings: RegexSettings, character: Pick<CharacterRecord, 'id' | 'card'> | undefined): RegexScript[] {
  const own = character && settings.allowedCharacters.includes(character.id) ? cardRegexScripts(character.card.data.extensions) : [];
  return [...settings.scripts, ...own];
}

/** Whether a script may run in any of the user's chats: a global one, or some character's allowed (chatRegex tells for one chat). */
export const anyRegexMayRun = (settings: RegexSettings): boolean => settings.scripts.length > 0 || settings.allowedCharacters.length > 0;

/** What a caller that has read them already passes to chatRegex, so it is not read twice (a generation's plan). */
export interface RegexReads {
  settings?: RegexSettings;
  /** Used when it is the chat's character. */
  character?: CharacterRecord;
  personas?: PersonaRecord[];
}

/** Reads what a chat's scripts need; null when no script is on (most users: nothing more is read or run). */
export async function chatRegex(
  store: Store,
  replacer: RegexReplacer,
  user: { id: string; name: string },
  chat: Pick<ChatRecord, 'characterId' | 'personaId' | 'metadata'>,
  now: number,
  read: RegexReads = {},
): Promise<ChatRegex | null> {
  const settings = read.settings ?? regexSettingsOf((await store.settings.get(user.id)).values);
  // Nothing can run: no global script, and the card's (if any) are not allowed. The usual case reads nothing more.
  if (settings.scripts.length === 0 && !(chat.characterId && settings.allowedCharacters.includes(chat.characterId))) return null;
  const known = read.character?.id === chat.characterId ? read.character : undefined;
  const character = chat.characterId ? (known ?? (await store.characters.get(user.id, chat.characterId))) : undefined;
  const scripts = scriptsFor(settings, character).filter((s) => !s.disabled);
  if (scripts.length === 0) return null;
  const personas = read.personas ?? (await store.personas.list(user.id));
  const persona = choosePersona(personas, { chat: chat.personaId, character: character?.personaId ?? null })?.persona;
  const card = character?.card.data;
  const variables = chat.metadata.variables;
  return {
    scripts,
    replacer,
    macros: {
      char: character?.name ?? '',
      user: persona?.name ?? user.name,
      now,
      random: Math.random,
      fields: { description: card?.description ?? '', personality: card?.personality ?? '', scenario: card?.scenario ?? '', persona: persona?.description ?? '' },
      // A script's {{setvar}} never changes the chat: it works on a copy.
      variables: typeof variables === 'object' && variables !== null && !Array.isArray(variables) ? { ...variables } : {},
    },
  };
}

/**
 * Messages as they are written (SillyTavern's user input on send, and an edit's text for scripts that run on edit):
 * the ops carry the text the scripts made, so what is stored and acknowledged is that text.
 */
export async function regexOnWrite(regex: ChatRegex | null, ops: readonly ChatOp[], roleOf: (messageId: string) => Promise<Message['role'] | undefined>): Promise<{ ops: ChatOp[]; slow: string[] }> {
  if (!regex) return { ops: [...ops], slow: [] };
  const slow: string[] = [];
  const out: ChatOp[] = [];
  for (const op of ops) {
    if (op.type === 'append') {
      const placement = placementOfMessage(op.message);
      const run = await runRegexScripts(regex.replacer, regex.scripts, 'stored', [{ text: op.message.content, placement }], regex.macros);
      slow.push(...run.slow);
      out.push({ ...op, message: { ...op.message, content: run.texts[0] ?? op.message.content } });
    } else if (op.type === 'edit') {
      const role = await roleOf(op.messageId);
      if (!role) {
        out.push(op);
        continue;
      }
      const run = await runRegexScripts(regex.replacer, regex.scripts, 'edit', [{ text: op.content, placement: placementOfMessage({ role }) }], regex.macros);
      slow.push(...run.slow);
      out.push({ ...op, content: run.texts[0] ?? op.content });
    } else {
      out.push(op);
    }
  }
  return { ops: out, slow };
}

/**
 * What the message view shows ("alter display only" scripts) for a page of messages, beside the stored text: the
 * server runs them so one engine, with its time limit, runs every script. `shownAfter` is how many messages the
 * prompt reads after the page's last one (the depth of that message); hidden messages are neither changed nor counted.
 */
export async function withDisplayText(regex: ChatRegex | null, messages: Message[], shownAfter: number): Promise<{ messages: Message[]; slow: string[] }> {
  if (!regex || !regex.scripts.some((s) => s.markdownOnly)) return { messages, slow: [] };
  const depths: number[] = [];
  let depth = shownAfter;
  for (let i = messages.length - 1; i >= 0; i--) if (!(messages[i] as Message).hidden) depths[i] = depth++;
  const targets: RegexTarget[] = [];
  const where: Array<{ index: number; field: 'displayText' | 'displayReasoning' }> = [];
  messages.forEach((m, index) => {
    // SillyTavern shows a hidden (is_system) message as it is stored.
    if (m.hidden) return;
    targets.push({ text: m.content, placement: placementOfMessage(m), depth: depths[index] });
    where.push({ index, field: 'displayText' });
    const reasoning = m.extra.reasoning;
    if (typeof reasoning === 'string' && reasoning) {
      targets.push({ text: reasoning, placement: REGEX_PLACEMENT.reasoning, depth: depths[index] });
      where.push({ index, field: 'displayReasoning' });
    }
  });
  const run = await runRegexScripts(regex.replacer, regex.scripts, 'display', targets, regex.macros);
  const out = messages.map((m) => ({ ...m }));
  run.texts.forEach((text, i) => {
    const { index, field } = where[i] as { index: number; field: 'displayText' | 'displayReasoning' };
    const message = out[index] as Message;
    const stored = field === 'displayText' ? message.content : (message.extra.reasoning as string);
    if (text !== stored) message[field] = text;
  });
  return { messages: out, slow: run.slow };
}

/** A finished reply as it is stored: AI output (user input for an impersonation) and its reasoning. */
export async function regexOnReply(
  regex: ChatRegex | null,
  reply: { text: string; reasoning: string; impersonation: boolean },
): Promise<{ text: string; reasoning: string; slow: string[] }> {
  if (!regex) return { text: reply.text, reasoning: reply.reasoning, slow: [] };
  const placement = reply.impersonation ? REGEX_PLACEMENT.userInput : REGEX_PLACEMENT.aiOutput;
  const run = await runRegexScripts(
    regex.replacer,
    regex.scripts,
    'stored',
    [
      { text: reply.text, placement },
      { text: reply.reasoning, placement: REGEX_PLACEMENT.reasoning },
    ],
    regex.macros,
  );
  return { text: run.texts[0] ?? reply.text, reasoning: run.texts[1] ?? reply.reasoning, slow: run.slow };
}

/**
 * The history as the prompt reads it ("alter prompt only" scripts), each message at its depth as SillyTavern counts
 * it: 0 is the newest message the prompt holds (a reply being regenerated or swiped is not in it).
 */
export async function regexHistoryForPrompt(regex: ChatRegex | null, history: Message[], replacing: boolean): Promise<{ history: Message[]; slow: string[] }> {
  if (!regex) return { history, slow: [] };
  const shown = replacing ? history.length - 1 : history.length;
  const targets = history.map((m, i) => ({ text: m.content, placement: placementOfMessage(m), depth: shown - i - 1 }));
  const run = await runRegexScripts(regex.replacer, regex.scripts, 'prompt', targets, regex.macros);
  return { history: history.map((m, i) => (run.texts[i] === m.content ? m : { ...m, content: run.texts[i] ?? m.content })), slow: run.slow };
}

/**
 * World info's text as the prompt gets it (placement 5), each entry on its own; an entry at a depth has that depth,
 * and one the scripts leave empty is dropped, as in SillyTavern. Outlets' entries go through them too.
 */
export async function regexWorldInfo<T extends WorldInfoPlacement>(regex: ChatRegex | null, placed: T): Promise<{ placed: T; slow: string[] }> {
  if (!regex || !regex.scripts.some((s) => s.promptOnly && s.placement.includes(REGEX_PLACEMENT.worldInfo))) return { placed, slow: [] };
  const lists = ['before', 'after', 'examplesTop', 'examplesBottom', 'authorsNoteTop', 'authorsNoteBottom'] as const;
  const outlets = Object.keys(placed.outlets);
  const targets: RegexTarget[] = [];
  const add = (texts: readonly string[], depth?: number) => {
    for (const text of texts) targets.push({ text, placement: REGEX_PLACEMENT.worldInfo, depth });
  };
  for (const list of lists) add(placed[list]);
  for (const d of placed.atDepth) add(d.contents, d.depth);
  for (const name of outlets) add(placed.outlets[name] ?? []);
  const run = await runRegexScripts(regex.replacer, regex.scripts, 'prompt', targets, regex.macros);
  let i = 0;
  const next = (texts: readonly string[]) => texts.map(() => run.texts[i++] ?? '').filter((t) => t !== '');
  const out = { ...placed };
  for (const list of lists) out[list] = next(placed[list]);
  out.atDepth = placed.atDepth.map((d) => ({ ...d, contents: next(d.contents) })).filter((d) => d.contents.length > 0);
  out.outlets = Object.fromEntries(outlets.map((name) => [name, next(placed.outlets[name] ?? [])]));
  return { placed: out, slow: run.slow };
}

/** A page of a chat's messages with what the view shows (see withDisplayText); the page is oldest first. */
export async function displayPage(store: Store, regex: ChatRegex | null, chatId: string, messages: Message[]): Promise<{ messages: Message[]; slow: string[] }> {
  const last = messages.at(-1);
  if (!regex || !last || !regex.scripts.some((s) => s.markdownOnly)) return { messages, slow: [] };
  return withDisplayText(regex, messages, await store.chats.countShownAfter(chatId, last.seq));
}

/**
 * A new chat's greeting and its alternates as SillyTavern stores them: through AI output scripts. Read before the
 * chat is made (so no transaction waits on the scripts); the answer maps each text to what it becomes.
 */
export async function regexGreetings(
  store: Store,
  replacer: RegexReplacer,
  user: { id: string; name: string },
  characterId: string | undefined,
  now: number,
): Promise<Map<string, string> | undefined> {
  if (!characterId) return undefined;
  const regex = await chatRegex(store, replacer, user, { characterId, personaId: null, metadata: {} }, now);
  const character = regex && (await store.characters.get(user.id, characterId));
  if (!regex || !character) return undefined;
  const texts = [character.card.data.first_mes, ...(character.card.data.alternate_greetings ?? [])].filter((t) => typeof t === 'string' && t !== '');
  const run = await runRegexScripts(regex.replacer, regex.scripts, 'stored', texts.map((text) => ({ text, placement: REGEX_PLACEMENT.aiOutput })), regex.macros);
  return new Map(texts.map((t, i) => [t, run.texts[i] ?? t]));
}
