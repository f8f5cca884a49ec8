import { expandMacros, type MacroContext } from '../../../shared/macros.js';
import type { GatheredPrompt, PromptAssemblyInput, PromptPart } from './prompt-parts.js';

/** What macros read in this prompt ({{char}}, {{user}}, the card's fields, the newest messages, ...). */
export function promptMacroContext(input: PromptAssemblyInput): MacroContext {
  const { card } = input;
  return {
    char: card.name,
    user: input.persona.name,
    now: input.now,
    timeZone: input.timeZone,
    random: input.random,
    model: input.model,
    fields: { description: card.description, personality: card.personality, scenario: card.scenario, persona: input.persona.description },
    lastMessage: input.history.at(-1)?.content,
    lastUserMessage: input.history.findLast((m) => m.role === 'user')?.content,
    lastCharMessage: input.history.findLast((m) => m.role === 'assistant')?.content,
    variables: input.variables,
    pickSeed: input.pickSeed,
    idleSince: idleSince(input.history),
  };
}

/** SillyTavern's {{idle_duration}} counts from the user's message before the newest message. */
function idleSince(history: PromptAssemblyInput['history']): number | undefined {
  const before = history.slice(0, -1).findLast((m) => m.role === 'user');
  const at = before ? Date.parse(before.createdAt) : NaN;
  return Number.isNaN(at) ? undefined : at;
}

/** One part's text with its macros expanded by its rule; the result needs no further expansion. */
export function expandPart(part: PromptPart, context: MacroContext): PromptPart {
  const rule = part.macros;
  const expand = (text: string) => expandMacros(text, context);
  let text: string;
  switch (rule.kind) {
    case 'none':
      return part;
    case 'text':
      text = (rule.label ?? '') + expand(part.text);
      break;
    case 'field': {
      const value = part.text.trim() ? expand(part.text).trim() : '';
      return { ...part, text: part.text.trim() ? rule.label + value : '', value, macros: { kind: 'none' } };
    }
    case 'override':
      text = expandMacros(part.text, { ...context, fields: { ...context.fields, original: rule.original } }).trim();
      break;
  }
  return { ...part, text, macros: { kind: 'none' } };
}

/**
 * Stage 2: every part's macros expanded. Instructions that come out empty (a card without post-history
 * instructions) are left out; messages stay even when empty, since they are turns of the chat.
 */
export function expandParts(gathered: GatheredPrompt, context: MacroContext): GatheredPrompt {
  const each = (parts: readonly PromptPart[]) => parts.map((p) => expandPart(p, context));
  const nonEmpty = (parts: readonly PromptPart[]) => each(parts).filter((p) => p.text !== '');
  return {
    ...gathered,
    system: each(gathered.system),
    examples: each(gathered.examples),
    history: each(gathered.history),
    injections: gathered.injections.map((j) => ({ ...expandPart(j, context), depth: j.depth })),
    tail: nonEmpty(gathered.tail),
    open: expandPart(gathered.open, context),
    prefill: gathered.prefill && expandPart(gathered.prefill, context),
  };
}
