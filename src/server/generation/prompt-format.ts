import type { PromptMessage } from '../../shared/api/generation.js';
import type { PromptPart } from './prompt-pipeline/prompt-parts.js';
import type { NeutralPrompt } from './neutral-prompt.js';
import type { Tokenizer } from './tokenizer.js';

/** One turn of the prompt before formatting. */
export interface Turn {
  role: PromptMessage['role'];
  /** Who speaks; text completion writes it before the text ("Seraphina: ..."). */
  name: string;
  text: string;
  /** Already in the wire format (text completion's story string and examples): written as it is. */
  formatted?: boolean;
  /** The open turn only: the reply being continued, or the text "Start reply with" puts first. */
  open?: 'continue' | 'start_with';
  /** Chat completions' `name` field (SillyTavern's example messages). */
  messageName?: string | undefined;
  /** Never squashed into the system message before it. */
  apart?: boolean | undefined;
}

/** chat: OpenAI's messages; text: one prompt string; neutral: system parts, messages and a prefill, which the
 *  Anthropic and Gemini request builders write in their own wire formats. */
export type FormattedPrompt =
  | { kind: 'chat'; messages: PromptMessage[] }
  | { kind: 'text'; prompt: string }
  | { kind: 'neutral'; prompt: NeutralPrompt };

/**
 * How turns become what the backend receives, and what each costs in tokens. A turn's cost is counted on its
 * whole formatted text; the sum of the costs is close to the prompt's count but not always above it (BPE can
 * split a joined text into more pieces than its parts), so the assembler checks the exact count at the end.
 */
export interface PromptFormat {
  /** The part of a turn counted as its content (the rest is formatting). */
  contentOf(turn: Turn): string;
  /** Tokens a whole turn costs, formatting included. */
  turnCost(turn: Turn): number;
  /** Tokens of the open turn the model writes into (its header, and the text being continued). */
  openCost(open: Turn): number;
  render(turns: readonly Turn[], open: Turn): FormattedPrompt;
  /** The turn before the chat made of the system parts and examples, when the format writes its own (text
   *  completion's story string); otherwise they are joined into one system turn. */
  preamble?(system: readonly PromptPart[], examples: readonly PromptPart[]): Turn;
}

/*
 * OpenAI's accounting for chat completions: each message costs its content plus ~4 tokens of role markers, and
 * the reply is primed with 3 more. Other backends' chat templates differ by a token or two per message.
 */
const TOKENS_PER_MESSAGE = 4;
const REPLY_PRIMING_TOKENS = 3;

/** Chat completions: roles carry who speaks, so names are not written into the text. A continued reply is sent
 *  as the last assistant message, which backends that support prefill (llama.cpp, Ollama, vLLM, OpenRouter)
 *  extend in place. */
export function chatFormat(tokenizer: Tokenizer): PromptFormat {
  const toMessages = (turns: readonly Turn[], open: Turn): PromptMessage[] => {
    const messages: PromptMessage[] = turns.map((t) => ({ role: t.role, content: t.text, ...(t.messageName ? { name: t.messageName } : {}) }));
    if (open.text) messages.push({ role: open.role, content: open.text });
    return messages;
  };
  return {
    contentOf: (turn) => turn.text,
    turnCost: (turn) => tokenizer.count(turn.text) + TOKENS_PER_MESSAGE,
    openCost: (open) => REPLY_PRIMING_TOKENS + (open.text ? tokenizer.count(open.text) + TOKENS_PER_MESSAGE : 0),
    render: (turns, open) => ({ kind: 'chat', messages: toMessages(turns, open) }),
  };
}

/** Anthropic and Gemini: leading system turns become the system parts, the open turn's text (a continued reply, or
 *  the profile's prefill for a new one) the prefill. Counted as chat messages are. */
export function neutralFormat(tokenizer: Tokenizer, prefill: string): PromptFormat {
  const prefillOf = (open: Turn) => (open.role !== 'assistant' ? '' : open.text || prefill);
  return {
    contentOf: (turn) => turn.text,
    turnCost: (turn) => tokenizer.count(turn.text) + TOKENS_PER_MESSAGE,
    openCost: (open) => {
      const text = prefillOf(open);
      return REPLY_PRIMING_TOKENS + (text ? tokenizer.count(text) + TOKENS_PER_MESSAGE : 0);
    },
    render: (turns, open) => {
      const lead = turns.findIndex((t) => t.role !== 'system');
      const split = lead === -1 ? turns.length : lead;
      return {
        kind: 'neutral',
        prompt: {
          system: turns.slice(0, split).map((t) => t.text),
          messages: turns.slice(split).map((t) => ({ role: t.role, content: t.text })),
          prefill: prefillOf(open),
        },
      };
    },
  };
}

/** The neutral form as the prompt inspector lists it: one system message, the messages, the prefill last. */
export function neutralAsMessages(prompt: NeutralPrompt): PromptMessage[] {
  const system = prompt.system.filter(Boolean).join('\n');
  return [
    ...(system ? [{ role: 'system' as const, content: system }] : []),
    ...prompt.messages,
    ...(prompt.prefill ? [{ role: 'assistant' as const, content: prompt.prefill }] : []),
  ];
}

/** The token count of a rendered prompt: exact for text, OpenAI's accounting for chat messages. */
export function countPrompt(prompt: FormattedPrompt, tokenizer: Tokenizer): number {
  if (prompt.kind === 'text') return tokenizer.count(prompt.prompt);
  const messages = prompt.kind === 'chat' ? prompt.messages : neutralAsMessages(prompt.prompt);
  return messages.reduce((sum, m) => sum + tokenizer.count(m.content) + TOKENS_PER_MESSAGE, REPLY_PRIMING_TOKENS);
}
