import type { CardData } from '../../../shared/api/characters.js';
import type { Message } from '../../../shared/api/chats.js';
import type {
  ConnectionApi,
  GenerationMode,
  PromptPartName,
  PromptSource,
  SamplerSettings,
} from '../../../shared/api/generation.js';
import type { AuthorsNote, CharacterNote, PromptSettings } from '../../../shared/api/prompt-settings.js';
import type { PromptManagerPreset } from '../../../shared/api/prompt-manager.js';
import type { Tokenizer } from '../tokenizer.js';
import type { TextFormatting } from './format-for-api.js';
import type { WorldInfoForPrompt } from '../world-info/world-info-prompt.js';

/** Everything one generation's prompt is made from; the pipeline reads nothing else. */
export interface PromptAssemblyInput {
  card: CardData;
  /** Who the user is to the character: the persona, or the account's name with an empty description. */
  persona: { name: string; description: string };
  /** The chat's messages, oldest first; a reply being generated must not be among them. */
  history: readonly Message[];
  mode: GenerationMode;
  api: ConnectionApi;
  model: string;
  settings: Pick<SamplerSettings, 'context_size' | 'max_tokens' | 'assistant_prefill' | 'show_prefill'>;
  /** A group chat's turn: an instruct template's names "force" writes every speaker's name. */
  inGroup?: boolean | undefined;
  /** Text completion only: the instruct and context templates in force (Parley's defaults when absent). */
  textFormatting?: TextFormatting | undefined;
  tokenizer: Tokenizer;
  /** Epoch ms, for {{time}}, {{date}} and the inspection's createdAt. */
  now: number;
  timeZone?: string | undefined;
  random: () => number;
  /** The chat's variables ({{getvar}}, {{setvar}}): a working copy the macros change; the caller stores it. */
  variables?: Record<string, unknown> | undefined;
  /** What makes {{pick}} differ between chats (SillyTavern's `chat_id_hash`, else the chat id). */
  pickSeed?: string | number | undefined;
  /** The user's prompt settings (system prompt presets, post-history instructions, ...); defaults when absent. */
  promptSettings?: PromptSettings | undefined;
  /** The chat's Author's Note (its metadata over the user's defaults); the user's defaults when absent. */
  authorsNote?: AuthorsNote | undefined;
  /** The character's own note, when the user has one for this character. */
  characterNote?: CharacterNote | undefined;
  /** The user's messages in the whole chat (the note's frequency counts them); those in `history` when absent. */
  userMessageCount?: number | undefined;
  /** World info this generation activated (services/world-info-activation); null when no book was active. */
  worldInfo?: WorldInfoForPrompt | null | undefined;
  /** The prompt manager's preset in force: its order lays out the prompt for message APIs; none is the default. */
  promptManager?: PromptManagerPreset | null | undefined;
}

export type PartRole = 'system' | 'user' | 'assistant';

/**
 * How the macro stage treats a part's text:
 * - `none`: already final (world info is expanded while it is activated);
 * - `text`: expanded as written (messages, built-in instructions), after its label if it has one;
 * - `field`: expanded and trimmed, then written after its label; a field blank as written stays empty;
 * - `override`: a card's text that replaces a default, which it can name as {{original}}; trimmed.
 */
export type MacroRule =
  | { kind: 'none' }
  | { kind: 'text'; label?: string }
  | { kind: 'field'; label: string }
  | { kind: 'override'; original: string };

/** One piece of the prompt, with where it came from and the budget line it counts in. */
export interface PromptPart {
  part: Exclude<PromptPartName, 'formatting'>;
  source: PromptSource;
  role: PartRole;
  /** Who speaks; text completion writes it before the text ("Seraphina: ..."). */
  name: string;
  text: string;
  macros: MacroRule;
  /** A field's expanded text without its label: what a story string's {{description}}, {{scenario}}... print. */
  value?: string;
  /** The wire's speaker name (chat completions' `name`): SillyTavern's example messages. */
  messageName?: string | undefined;
  /** Never squashed into the system message before it (SillyTavern's new-chat and example-chat markers). */
  apart?: boolean | undefined;
}

/** A part placed in the chat `depth` messages from its end. */
export interface DepthPart extends PromptPart {
  depth: number;
  /** SillyTavern's injection_order (100 when absent): at one depth, a higher order goes nearer the end. */
  order?: number | undefined;
}

/**
 * The gather stage's result: every part in its section, before macros. `system` parts make the one block before
 * the chat (examples join it while they fit); `history` is oldest first without the reply being regenerated or
 * continued; `tail` follows the chat; `open` is the turn the model writes into.
 */
export interface GatheredPrompt {
  system: PromptPart[];
  examples: PromptPart[];
  history: PromptPart[];
  injections: DepthPart[];
  tail: PromptPart[];
  open: PromptPart;
  /** What a new reply is made to start with (Anthropic's prefill); null when nothing is. */
  prefill: PromptPart | null;
  /** What the stored reply starts with before the model's first token: "Start reply with" (when shown), the
   *  Anthropic prefill (when shown), the space SillyTavern puts before a nudged continuation, or nothing. */
  replyPrefix: 'start_reply_with' | 'prefill' | 'space' | null;
  /** regenerate / swipe / continue: the reply the mode works on; null for a new message. */
  target: Message | null;
  /** Continue with a target: depths count the continued reply, which is the open turn. */
  continuing: boolean;
  /**
   * Laid out by a prompt manager preset: every part before the chat is its own message (examples at `examplesAt`
   * among them, split into messages), consecutive system messages joined when the preset squashes them. Absent:
   * the one system block of Parley's default.
   */
  managed?: ManagedLayout | undefined;
}

export interface ManagedLayout {
  /** Where the examples go among the system parts. */
  examplesAt: number;
  /** SillyTavern's squash_system_messages. */
  squash: boolean;
  /** Who speaks in example dialogue, to split its blocks into messages. */
  names: { user: string; char: string };
}

/** One turn of the chat after injections are placed: a history message (kept or dropped by the budget) or an
 *  injection (always kept). */
export interface ChatItem {
  part: PromptPart;
  injected: boolean;
}
