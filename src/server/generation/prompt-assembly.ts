import type { Message } from '../../shared/api/chats.js';
import type { PromptInspection } from '../../shared/api/generation.js';
import { countPrompt, type FormattedPrompt } from './prompt-format.js';
import type { Tokenizer } from './tokenizer.js';
import { promptMacroContext, expandParts } from './prompt-pipeline/expand-parts.js';
import { fitBudget } from './prompt-pipeline/fit-budget.js';
import { DEFAULT_TEXT_FORMATTING, formatFor, formatForApi, leadTurns, openTurnOf, turnOf } from './prompt-pipeline/format-for-api.js';
import { instructStopStrings } from './instruct-format.js';
import { exampleMessages } from './prompt-manager-parts.js';
import { presetFormat } from '../../shared/api/prompt-manager.js';
import { expandMacros } from '../../shared/macros.js';
import { gatherParts, takesMessages } from './prompt-pipeline/gather-parts.js';
import { inspectPrompt } from './prompt-pipeline/inspect-prompt.js';
import { placeInjections } from './prompt-pipeline/place-injections.js';
import type { GatheredPrompt, PromptAssemblyInput } from './prompt-pipeline/prompt-parts.js';

export type { PromptAssemblyInput } from './prompt-pipeline/prompt-parts.js';

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
  /** Text the stored reply starts with before the model's first token: the prefill, when the profile shows it. */
  replyPrefix: string;
  inspection: PromptInspection;
}

/** The expanded text the stored reply starts with (the prefill is sent without trailing whitespace, so shown so). */
function replyPrefixOf(parts: GatheredPrompt): string {
  switch (parts.replyPrefix) {
    case 'start_reply_with':
      return [parts.open, ...parts.tail].find((p) => p.part === 'start_reply_with')?.text ?? '';
    case 'prefill':
      return parts.prefill?.text.trimEnd() ?? '';
    case 'space':
      return ' ';
    default:
      return '';
  }
}

/** Laid out by a prompt manager preset, example blocks go as SillyTavern's example messages, after its
 *  example-chat marker (expanded like the rest). */
function splitExamples(parts: GatheredPrompt, input: PromptAssemblyInput, macros: ReturnType<typeof promptMacroContext>): GatheredPrompt {
  if (!parts.managed || !input.promptManager) return parts;
  const header = expandMacros(presetFormat(input.promptManager, 'new_example_chat_prompt'), macros);
  const names = parts.managed.names;
  return { ...parts, examples: parts.examples.flatMap((block) => exampleMessages(block, names, header)) };
}

/**
 * Builds the prompt for one generation, without I/O, as a pipeline of pure stages (prompt-pipeline/): gather the
 * parts -> expand macros -> place depth injections -> fit the budget (context_size - max_tokens) -> format for the
 * API -> inspect.
 */
export function assemblePrompt(input: PromptAssemblyInput): AssembledPrompt {
  // Stages count the same texts more than once (a message's cost, its share in the inspection, the exact count of
  // chat messages): the tokenizer keeps its counts (loadTokenizer), so each text is tokenized once.
  const { tokenizer, mode } = input;
  const macros = promptMacroContext(input);
  const parts = splitExamples(expandParts(gatherParts(input), macros), input, macros);
  const chat = placeInjections(parts.history, parts.injections, parts.continuing);

  const names = { user: input.persona.name, char: input.card.name };
  const expand = (text: string) => expandMacros(text, macros);
  const text = input.textFormatting ?? DEFAULT_TEXT_FORMATTING;
  const format = formatFor({ api: input.api, tokenizer, prefill: parts.prefill?.text ?? '', text, names, inGroup: input.inGroup, expand });
  const fixed =
    leadTurns(format, parts.system, [], parts.managed).reduce((sum, t) => sum + format.turnCost(t), 0) +
    chat.reduce((sum, item) => (item.injected ? sum + format.turnCost(turnOf(item.part)) : sum), 0) +
    parts.tail.reduce((sum, t) => sum + format.turnCost(turnOf(t)), 0) +
    format.openCost(openTurnOf(parts.open));
  const budget = input.settings.context_size - input.settings.max_tokens;
  const fitted = fitBudget(
    chat,
    parts.examples,
    budget,
    {
      fixed,
      message: (p) => format.turnCost(turnOf(p)),
      example: (p) => (parts.managed ? format.turnCost(turnOf(p)) : tokenizer.count(`\n${p.text}`)),
    },
    (keptChat, keptExamples) => {
      const rendered = formatForApi(format, {
        system: parts.system,
        examples: keptExamples,
        chat: keptChat,
        tail: parts.tail,
        open: parts.open,
        managed: parts.managed,
      });
      return { rendered, tokens: countPrompt(rendered, tokenizer) };
    },
  );

  const stop = takesMessages(input.api)
    ? []
    : instructStopStrings({
        ...text,
        names,
        expand,
        impersonate: mode === 'impersonate',
        continuingUser: mode === 'continue' && input.history.at(-1)?.role === 'user',
      });
  return {
    prompt: fitted.rendered,
    stop,
    target: parts.target,
    replyPrefix: replyPrefixOf(parts),
    inspection: inspectPrompt(input, parts, fitted, format, stop),
  };
}
