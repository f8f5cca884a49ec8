import type { ContextTemplate, InstructTemplate } from '../../shared/api/text-formatting.js';
import { BUNDLED_CONTEXT, DEFAULT_CONTEXT_ID } from './bundled-formatting.js';
import type { PromptFormat, Turn } from './prompt-format.js';
import type { PromptPart } from './prompt-pipeline/prompt-parts.js';
import { mentionsParam, renderStoryTemplate, StoryStringError, type StoryParams } from './story-string.js';
import type { Tokenizer } from './tokenizer.js';

/*
 * A text-completion prompt as SillyTavern assembles one in instruct mode (script.js Generate, instruct-mode.js):
 * the story string wrapped in the template's story-string sequences, the example dialogue as turns (each block
 * after the example separator), the chat start, every message in its role's sequences (the first message with the
 * first sequences, the newest user message with the last input sequence), and the line the model writes on from.
 * Where Parley differs it says so in docs/formats.md.
 */

export interface InstructFormatOptions {
  instruct: InstructTemplate;
  context: ContextTemplate;
  names: { user: string; char: string };
  /** A group chat: names "force" writes the name of every speaker but the user, as SillyTavern does in groups. */
  inGroup?: boolean | undefined;
  /** Expands macros ({{char}}, {{user}}, ...) in sequences, separators and what the story string leaves. */
  expand: (text: string) => string;
  tokenizer: Tokenizer;
}

type Position = 'first' | 'last' | null;

export function instructFormat(options: InstructFormatOptions): PromptFormat {
  const { instruct: t, names, expand, tokenizer } = options;
  const sep = t.wrap ? '\n' : '';
  const withName = (sequence: string, name: string) => (t.macro ? expand(sequence).replace(/\{\{name\}\}/gi, () => name) : sequence);

  const prefixOf = (turn: Turn, position: Position) => {
    if (turn.role === 'system') return t.system_same_as_user ? t.input_sequence : t.system_sequence;
    if (turn.role === 'user') {
      return (position === 'first' ? t.first_input_sequence : position === 'last' ? t.last_input_sequence : '') || t.input_sequence;
    }
    return (position === 'first' ? t.first_output_sequence : position === 'last' ? t.last_output_sequence : '') || t.output_sequence;
  };
  const suffixOf = (turn: Turn) =>
    turn.role === 'system' ? (t.system_same_as_user ? t.input_suffix : t.system_suffix) : turn.role === 'user' ? t.input_suffix : t.output_suffix;
  // "force" writes names where the speaker is not obvious: in a group every member's, else a reply by someone other
  // than the character.
  const namesFor = (turn: Turn) =>
    turn.role !== 'system' &&
    turn.name !== '' &&
    (t.names_behavior === 'always' ||
      (t.names_behavior === 'force' && turn.role === 'assistant' && (options.inGroup === true || turn.name !== names.char)));
  const speaker = (turn: Turn) => (turn.role === 'system' ? 'System' : turn.name);

  /** One message in its sequences; `open` leaves the suffix off (the text the model continues). */
  const message = (turn: Turn, position: Position, open = false) => {
    const prefix = withName(prefixOf(turn, position), speaker(turn));
    let suffix = open ? '' : withName(suffixOf(turn), speaker(turn));
    if (!open && !suffix && t.wrap) suffix = '\n';
    const body = namesFor(turn) ? `${turn.name}: ${turn.text}` : turn.text;
    return [prefix, body + suffix].filter(Boolean).join(sep);
  };

  /** The line the model writes on from: the reply's (or, impersonating, the user's) sequence and name. */
  const lastLine = (open: Turn) => {
    const impersonate = open.role === 'user';
    const includeNames = namesFor(open);
    const sequence = impersonate ? t.input_sequence : t.last_output_sequence || t.output_sequence;
    // Mistral's output sequence ends in a space its last output sequence lacks: the name still needs it.
    const filler =
      includeNames && !impersonate && t.last_output_sequence && /\s$/.test(t.output_sequence) && !/\s$/.test(t.last_output_sequence) ? t.output_sequence.slice(-1) : '';
    let text = sep + withName(sequence, open.name) + (includeNames ? sep + filler + `${open.name}:` : '');
    const bias = open.open === 'start_with' ? open.text : '';
    if (bias) return (includeNames ? text + (/^\s/.test(bias) ? bias : ` ${bias}`) : text + sep + bias.trimStart());
    if (t.wrap) text = text.trimEnd();
    return text + (includeNames ? '' : sep);
  };

  const render = (turns: readonly Turn[], open: Turn) => {
    const preamble = turns.filter((turn) => turn.formatted).map((turn) => turn.text).join('');
    const chat = turns.filter((turn) => !turn.formatted);
    const continuing = open.open === 'continue';
    const all = continuing ? [...chat, open] : chat;
    const lastUser = all.findLastIndex((turn) => turn.role === 'user');
    const texts = all.map((turn, i) => {
      const isOpen = continuing && i === all.length - 1;
      const position: Position = isOpen || i === lastUser ? 'last' : i === 0 ? 'first' : null;
      return message(turn, position, isOpen);
    });
    if (t.user_alignment_message && all[0] && all[0].role !== 'user') {
      texts.unshift(message({ role: 'user', name: names.user, text: t.user_alignment_message }, 'first'));
    }
    if (!continuing) {
      // The newest message loses its newline: the last line starts with its own.
      if (t.wrap && texts.length > 0) texts[texts.length - 1] = texts.at(-1)!.replace(/\n$/, '');
      texts.push(lastLine(open));
    }
    return { kind: 'text' as const, prompt: preamble + texts.join('') };
  };

  return {
    contentOf: (turn) => (namesFor(turn) ? `${turn.name}: ${turn.text}` : turn.text),
    turnCost: (turn) => tokenizer.count(turn.formatted ? turn.text : message(turn, null)),
    openCost: (open) => tokenizer.count(open.open === 'continue' ? message(open, 'last', true) : lastLine(open)),
    render,
    preamble: (system, examples) => ({ role: 'system', name: 'system', formatted: true, text: preambleText(options, system, examples) }),
  };
}

/** The story string's parameters from the system block's parts (SillyTavern's names, with their aliases). */
function storyParams(system: readonly PromptPart[], names: { user: string; char: string }): Record<string, string> {
  const params: Record<string, string> = { char: names.char, user: names.user };
  let seenSystemPrompt = false;
  for (const part of system) {
    const value = part.value ?? part.text;
    if (part.part === 'system_prompt') {
      params.system = value;
      seenSystemPrompt = true;
    } else if (part.part === 'lorebook') {
      const key = part.source.detail === 'before' ? 'Before' : 'After';
      params[`wi${key}`] = params[`lore${key}`] = value;
    } else if (part.part === 'authors_note') {
      params[seenSystemPrompt ? 'anchorAfter' : 'anchorBefore'] = value;
    } else {
      params[part.part] = value;
    }
  }
  return params;
}

/** One example block ("<START>\n" and its lines) as its messages; names are matched as SillyTavern does. */
function exampleMessages(block: string, names: { user: string; char: string }): { user: boolean; text: string }[] {
  const out: { user: boolean; text: string }[] = [];
  let current: { user: boolean; lines: string[] } | null = null;
  const flush = () => {
    if (current) out.push({ user: current.user, text: current.lines.join('\n').replace(`${current.user ? names.user : names.char}:`, '').trim() });
  };
  for (const line of block.split('\n').slice(1)) {
    const user = line.startsWith(`${names.user}:`);
    if (user || line.startsWith(`${names.char}:`)) {
      flush();
      current = { user, lines: [] };
    }
    // Lines before the first name belong to no message (SillyTavern drops them too).
    current?.lines.push(line);
  }
  flush();
  return out;
}

function examplesText(options: InstructFormatOptions, examples: readonly PromptPart[]): { formatted: string; raw: string } {
  const { instruct: t, context, names, expand } = options;
  const heading = context.example_separator ? `${expand(context.example_separator)}\n` : '';
  const rawBlock = (text: string) => `${heading}${text.replace(/^<START>\n?/i, '').trim()}\n`;
  const raw = examples.map((p) => rawBlock(p.text)).join('');
  if (t.skip_examples) return { formatted: raw, raw };
  const sep = t.wrap ? '\n' : '';
  const side = (user: boolean) => {
    let prefix = user ? t.input_sequence : t.output_sequence;
    let suffix = user ? t.input_suffix : t.output_suffix;
    if (t.macro) {
      const name = user ? names.user : names.char;
      prefix = expand(prefix).replace(/\{\{name\}\}/gi, () => name);
      suffix = expand(suffix).replace(/\{\{name\}\}/gi, () => name);
      if (!suffix && t.wrap) suffix = '\n';
    }
    return { prefix, suffix };
  };
  const formatted = examples
    .map((p) => {
      const messages = exampleMessages(p.text, names);
      if (messages.length === 0) return rawBlock(p.text);
      return (
        heading +
        messages
          .map(({ user, text }) => {
            const { prefix, suffix } = side(user);
            const named = t.names_behavior === 'always' || (t.names_behavior === 'force' && (user || options.inGroup === true));
            return [prefix, (named ? `${user ? names.user : names.char}: ${text}` : text) + suffix].filter(Boolean).join(sep);
          })
          .join('')
      );
    })
    .join('');
  return { formatted, raw };
}

/** Everything before the chat: the Author's Note placed before the prompt (when the story string does not place
 *  it), the wrapped story string, the examples, the chat start. */
function preambleText(options: InstructFormatOptions, system: readonly PromptPart[], examples: readonly PromptPart[]): string {
  const { instruct: t, context, names, expand } = options;
  const sep = t.wrap ? '\n' : '';
  const exampleText = examplesText(options, examples);
  const params: StoryParams = { ...storyParams(system, names), mesExamples: exampleText.formatted, mesExamplesRaw: exampleText.raw };
  let template = context.story_string;
  let story: string;
  try {
    story = renderStoryTemplate(template, params);
  } catch (error) {
    // A broken template of the user's must not stop the reply: Parley's own story string takes its place.
    if (!(error instanceof StoryStringError)) throw error;
    template = BUNDLED_CONTEXT[DEFAULT_CONTEXT_ID]!.story_string;
    story = renderStoryTemplate(template, params);
  }
  story = expand(story).replace(/^\n+/, '');
  if (story && !story.endsWith('\n') && t.wrap) story += '\n';
  if (story) {
    const system = (s: string) => (t.macro ? expand(s).replace(/\{\{name\}\}/gi, 'System') : s);
    if (t.story_string_prefix) story = system(t.story_string_prefix) + sep + story;
    if (t.story_string_suffix) story += system(t.story_string_suffix);
  }
  // Templates written before the Author's Note had parameters get it around the story string, as SillyTavern did.
  const outside = (name: string) => (!mentionsParam(template, name) && params[name] ? `${params[name]}\n` : '');
  const chatStart = context.chat_start ? `${expand(context.chat_start)}\n` : '';
  return outside('anchorBefore') + story + outside('anchorAfter') + exampleText.formatted + chatStart;
}

/**
 * The stop strings of a text-completion prompt (SillyTavern's getStoppingStrings): the names that would start the
 * next turn, the template's sequences, the chat start and example separator, and a newline in single-line mode.
 */
export function instructStopStrings(
  options: Pick<InstructFormatOptions, 'instruct' | 'context' | 'names' | 'expand'> & { impersonate: boolean; continuingUser: boolean },
): string[] {
  const { instruct: t, context, names, expand } = options;
  const out: string[] = [];
  if (context.names_as_stop_strings) {
    out.push(options.impersonate ? `\n${names.char}:` : `\n${names.user}:`, `\n${names.user}:`);
    if (options.continuingUser) out.push(`\n${names.char}:`);
  }
  const sequences = t.sequences_as_stop_strings
    ? [
        t.stop_sequence,
        t.input_sequence.replace(/\{\{name\}\}/gi, () => names.user),
        t.output_sequence.replace(/\{\{name\}\}/gi, () => names.char),
        t.first_output_sequence.replace(/\{\{name\}\}/gi, () => names.char),
        t.last_output_sequence.replace(/\{\{name\}\}/gi, () => names.char),
        t.system_sequence.replace(/\{\{name\}\}/gi, 'System'),
        t.last_system_sequence.replace(/\{\{name\}\}/gi, 'System'),
      ]
    : [t.stop_sequence];
  for (const line of sequences.join('\n').split('\n')) {
    if (line.trim() === '') continue;
    const wrapped = t.wrap ? `\n${line}` : line;
    out.push(t.macro ? expand(wrapped) : wrapped);
  }
  if (context.use_stop_strings) {
    if (context.chat_start) out.push(`\n${expand(context.chat_start)}`);
    if (context.example_separator) out.push(`\n${expand(context.example_separator)}`);
  }
  if (context.single_line) out.unshift('\n');
  return [...new Set(out)];
}
