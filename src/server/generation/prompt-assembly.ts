import type { CardData } from '../../shared/api/characters.js';
import type { Message } from '../../shared/api/chats.js';
import type {
  ConnectionApi,
  GenerationMode,
  InstructTemplateName,
  PromptInspection,
  PromptPartName,
  SamplerSettings,
} from '../../shared/api/generation.js';
import { IMPERSONATION_PROMPT, renderCharacterParts, type Expand } from './character-parts.js';
import { INSTRUCT_TEMPLATES } from './instruct-templates.js';
import { activateLorebook, parseCharacterBook, type LorebookActivation } from './lorebook.js';
import { expandMacros, type MacroContext } from './macros.js';
import { chatFormat, countPrompt, textFormat, type FormattedPrompt, type PromptFormat, type Turn } from './prompt-format.js';
import type { Tokenizer } from './tokenizer.js';

/** Used for text completion when the connection names no instruct template. */
export const DEFAULT_INSTRUCT_TEMPLATE: InstructTemplateName = 'chatml';
/** SillyTavern's default world-info budget when a lorebook sets none: a quarter of the prompt budget. */
const DEFAULT_LOREBOOK_SHARE = 0.25;
/** Rounds of trimming after the exact count; each drops at least what the count exceeded by, so one suffices. */
const MAX_FIT_ROUNDS = 4;

export interface PromptAssemblyInput {
  card: CardData;
  /** Who the user is to the character: the persona, or the account's name with an empty description. */
  persona: { name: string; description: string };
  /** The chat's messages, oldest first; a reply being generated must not be among them. */
  history: readonly Message[];
  mode: GenerationMode;
  api: ConnectionApi;
  model: string;
  settings: Pick<SamplerSettings, 'context_size' | 'max_tokens'>;
  /** Text completion only. */
  instructTemplate?: InstructTemplateName | null | undefined;
  tokenizer: Tokenizer;
  /** Epoch ms, for {{time}}, {{date}} and the inspection's createdAt. */
  now: number;
  timeZone?: string | undefined;
  random: () => number;
}

export interface AssembledPrompt {
  prompt: FormattedPrompt;
  /** Stop strings the template and mode need; the connection's own come on top. */
  stop: string[];
  /**
   * regenerate / swipe: the last reply, which gets a new swipe and is left out of the prompt;
   * continue: the last reply, whose text the model extends. Null when the mode has none (or the chat does not
   * end with a reply), so the caller creates a new message.
   */
  target: Message | null;
  inspection: PromptInspection;
}

/**
 * Builds the prompt for one generation, without I/O: the system block (system prompt, lorebook before, description,
 * personality, scenario, lorebook after, persona, example dialogue), the history, post-history instructions, and the
 * open turn the model writes. The budget is context_size - max_tokens. Fixed parts come first; then the lorebook
 * (within its token_budget); then history newest-first until the budget is spent (the newest message always goes,
 * so an overlong chat shows `fits: false` instead of losing the user's last words); then example blocks while
 * they fit, as SillyTavern pushes examples out as a chat grows.
 */
export function assemblePrompt(input: PromptAssemblyInput): AssembledPrompt {
  const { card, tokenizer, mode } = input;
  const char = card.name;
  const user = input.persona.name;
  const last = input.history.at(-1);
  const target = last?.role === 'assistant' && (mode === 'regenerate' || mode === 'swipe' || mode === 'continue') ? last : null;
  const past = target ? input.history.slice(0, -1) : input.history;

  const macroContext: MacroContext = {
    char,
    user,
    now: input.now,
    timeZone: input.timeZone,
    random: input.random,
    model: input.model,
    fields: { description: card.description, personality: card.personality, scenario: card.scenario, persona: input.persona.description },
    lastMessage: last?.content,
    lastUserMessage: input.history.findLast((m) => m.role === 'user')?.content,
    lastCharMessage: input.history.findLast((m) => m.role === 'assistant')?.content,
  };
  const expand: Expand = (text, original) =>
    expandMacros(text, original === undefined ? macroContext : { ...macroContext, fields: { ...macroContext.fields, original } });
  const parts = renderCharacterParts(card, input.persona.description, expand);
  const template = INSTRUCT_TEMPLATES[input.instructTemplate ?? DEFAULT_INSTRUCT_TEMPLATE];
  const format = input.api === 'chat-completions' ? chatFormat(tokenizer) : textFormat(template, tokenizer);
  const turnOf = (m: Message): Turn => ({ role: m.role, name: m.name || (m.role === 'user' ? user : char), text: expand(m.content) });
  const open: Turn =
    mode === 'continue' && target
      ? turnOf(target)
      : mode === 'impersonate'
        ? { role: 'user', name: user, text: '' }
        : { role: 'assistant', name: char, text: '' };
  const system = (text: string): Turn => ({ role: 'system', name: 'system', text });
  const tail: Turn[] = [];
  if (parts.post_history_instructions) tail.push(system(parts.post_history_instructions));
  const impersonation = mode === 'impersonate' && input.api === 'chat-completions' ? expand(IMPERSONATION_PROMPT) : '';
  if (impersonation) tail.push(system(impersonation));

  const budget = input.settings.context_size - input.settings.max_tokens;
  const systemText = (lore: LorebookActivation | null, examples: readonly string[]) =>
    [
      parts.system_prompt,
      ...(lore?.before ?? []).map((a) => a.content),
      parts.description,
      parts.personality,
      parts.scenario,
      ...(lore?.after ?? []).map((a) => a.content),
      parts.persona,
      ...examples,
    ]
      .filter(Boolean)
      .join('\n');
  const fixedCost = (lore: LorebookActivation | null) =>
    format.turnCost(system(systemText(lore, []))) + tail.reduce((sum, t) => sum + format.turnCost(t), 0) + format.openCost(open);

  // The newest message is always sent, so the lorebook may not take its room.
  const newest = past.at(-1);
  const newestCost = newest ? format.turnCost(turnOf(newest)) : 0;
  const lore = activateCardLorebook(card, {
    budgetLeft: budget - fixedCost(null) - newestCost,
    promptBudget: budget,
    // A reply being replaced is not scanned; one being continued is.
    scanned: mode === 'continue' ? input.history : past,
    expand: (text) => expand(text),
    count: (text) => tokenizer.count(text),
  });

  let remaining = budget - fixedCost(lore);
  const included: { turn: Turn; cost: number }[] = [];
  for (let i = past.length - 1; i >= 0; i--) {
    const turn = turnOf(past[i] as Message);
    const cost = format.turnCost(turn);
    if (cost > remaining && included.length > 0) break;
    remaining -= cost;
    included.push({ turn, cost });
  }
  included.reverse();
  const examples: { text: string; cost: number }[] = [];
  for (const block of parts.examples) {
    const cost = tokenizer.count(`\n${block}`);
    if (cost > remaining) break;
    remaining -= cost;
    examples.push({ text: block, cost });
  }

  const render = () =>
    format.render([system(systemText(lore, examples.map((e) => e.text))), ...included.map((i) => i.turn), ...tail], open);
  let prompt = render();
  let totalTokens = countPrompt(prompt, tokenizer);
  // Costs counted piece by piece can fall a few tokens short of the joined prompt's count (BPE splits a joined
  // text differently): drop examples, then the oldest messages, until the exact count fits.
  for (let round = 0; totalTokens > budget && round < MAX_FIT_ROUNDS; round++) {
    let excess = totalTokens - budget;
    const before = examples.length + included.length;
    while (excess > 0 && examples.length > 0) excess -= examples.pop()!.cost;
    while (excess > 0 && included.length > 1) excess -= included.shift()!.cost;
    if (examples.length + included.length === before) break;
    prompt = render();
    totalTokens = countPrompt(prompt, tokenizer);
  }

  const continued = mode === 'continue' && target ? tokenizer.count(format.contentOf(open)) : 0;
  const counts: Record<Exclude<PromptPartName, 'formatting'>, number> = {
    system_prompt: tokenizer.count(parts.system_prompt),
    lorebook: lore ? [...lore.before, ...lore.after].reduce((sum, a) => sum + a.tokens, 0) : 0,
    description: tokenizer.count(parts.description),
    personality: tokenizer.count(parts.personality),
    scenario: tokenizer.count(parts.scenario),
    persona: tokenizer.count(parts.persona),
    example_dialogue: examples.reduce((sum, e) => sum + tokenizer.count(e.text), 0),
    history: included.reduce((sum, i) => sum + tokenizer.count(format.contentOf(i.turn)), continued),
    post_history_instructions: tokenizer.count(parts.post_history_instructions),
    impersonation_prompt: tokenizer.count(impersonation),
  };
  const counted = Object.values(counts).reduce((a, b) => a + b, 0);
  const stop = input.api !== 'chat-completions' ? [...template.stop, `\n${mode === 'impersonate' ? char : user}:`] : [];

  return {
    prompt,
    stop,
    target,
    inspection: {
      api: input.api,
      model: input.model,
      mode,
      tokenizer: tokenizer.info,
      contextSize: input.settings.context_size,
      maxTokens: input.settings.max_tokens,
      budget,
      totalTokens,
      fits: totalTokens <= budget,
      parts: [
        ...Object.entries(counts).map(([part, tokens]) => ({ part: part as PromptPartName, tokens })),
        { part: 'formatting', tokens: Math.max(0, totalTokens - counted) },
      ],
      history: {
        included: included.length + (continued ? 1 : 0),
        dropped: past.length - included.length,
        firstIncludedMessageId: past[past.length - included.length]?.id ?? (continued && target ? target.id : null),
      },
      lorebookEntries: lore
        ? [
            ...[...lore.before, ...lore.after].map((a) => ({ name: a.entry.name, tokens: a.tokens, included: true })),
            ...lore.overBudget.map((e) => ({ name: e.name, tokens: tokenizer.count(expand(e.content)), included: false })),
          ]
        : [],
      exampleBlocks: { included: examples.length, total: parts.examples.length },
      ...(prompt.kind === 'chat' ? { messages: prompt.messages } : { prompt: prompt.prompt }),
      stop,
      createdAt: new Date(input.now).toISOString(),
    },
  };
}

interface LorebookBudget {
  /** What the prompt budget leaves after the fixed parts and the newest message. */
  budgetLeft: number;
  promptBudget: number;
  /** The messages the lorebook scans the newest of, oldest first. */
  scanned: readonly Message[];
  expand: (text: string) => string;
  count: (text: string) => number;
}

function activateCardLorebook(card: CardData, b: LorebookBudget): LorebookActivation | null {
  const book = parseCharacterBook(card.character_book);
  if (!book || book.entries.length === 0) return null;
  const ownBudget = book.tokenBudget ?? Math.floor(b.promptBudget * DEFAULT_LOREBOOK_SHARE);
  return activateLorebook(book, {
    history: book.scanDepth > 0 ? b.scanned.slice(-book.scanDepth).map((m) => b.expand(m.content)) : [],
    budget: Math.max(0, Math.min(ownBudget, b.budgetLeft)),
    count: b.count,
    expand: b.expand,
  });
}
